// The store: one database connection and the repositories over it. The only place that speaks SQL.
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import { migrate, openDatabase, type Connection } from './database.js';
import { CatalogRepository } from './catalog-repository.js';
import { OrganizationRepository } from './organization-repository.js';
import { ClusterRepository } from './cluster-repository.js';
import { ApiKeyRepository } from './api-key-repository.js';
import { UsageRepository } from './usage-repository.js';
import { ProgramRepository } from './program-repository.js';
import { UsageGroupsRepository } from './usage-groups-repository.js';
import { ClaimRepository } from './claim-repository.js';
import { LedgerRepository } from './ledger-repository.js';
import { FindingRepository } from './finding-repository.js';
import { readCatalogFile } from './catalog-file.js';
import { AuditRepository, system_actor } from './audit-repository.js';
import { SigningKeyRepository } from './signing-key-repository.js';
import { PeopleRepository } from './people-repository.js';
import { AnalyticsRepository } from './analytics-repository.js';
import { settleCalendar } from './office-calendar.js';
import { default_time_zone, OfficeCalendar } from '../domain/calendar.js';

export class Store {
  readonly catalog: CatalogRepository;
  readonly organizations: OrganizationRepository;
  readonly clusters: ClusterRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly usage: UsageRepository;
  readonly programs: ProgramRepository;
  readonly claims: ClaimRepository;
  readonly groups: UsageGroupsRepository;
  readonly ledger: LedgerRepository;
  readonly findings: FindingRepository;
  readonly audit: AuditRepository;
  readonly signingKeys: SigningKeyRepository;
  readonly people: PeopleRepository;
  readonly analytics: AnalyticsRepository;
  private office_calendar: OfficeCalendar;

  /** `time_zone`: the office's (SUANLI_TIME_ZONE); migrate() settles it against the zone the rollups are in. */
  constructor(
    readonly connection: Connection,
    private readonly time_zone: string = default_time_zone,
  ) {
    this.office_calendar = new OfficeCalendar(time_zone);
    this.catalog = new CatalogRepository(connection);
    this.organizations = new OrganizationRepository(connection);
    this.clusters = new ClusterRepository(connection);
    this.apiKeys = new ApiKeyRepository(connection);
    this.usage = new UsageRepository(connection, () => this.office_calendar);
    this.programs = new ProgramRepository(connection);
    this.claims = new ClaimRepository(connection, () => this.office_calendar);
    this.groups = new UsageGroupsRepository(connection, () => this.office_calendar);
    this.ledger = new LedgerRepository(connection);
    this.findings = new FindingRepository(connection);
    this.audit = new AuditRepository(connection);
    this.signingKeys = new SigningKeyRepository(connection);
    this.people = new PeopleRepository(connection);
    this.analytics = new AnalyticsRepository(connection);
  }

  get engine() {
    return this.connection.engine;
  }

  /** The office's calendar: the days, months and years money is counted in. */
  get calendar(): OfficeCalendar {
    return this.office_calendar;
  }

  static open(config: Pick<Config, 'database_url' | 'data_dir' | 'sqlite_synchronous' | 'pg_pool_size_max' | 'time_zone'>): Store {
    return new Store(
      openDatabase({
        database_url: config.database_url,
        sqlite_file: path.join(config.data_dir, 'suanli.db'),
        sqlite_synchronous: config.sqlite_synchronous,
        pg_pool_size_max: config.pg_pool_size_max,
      }),
      config.time_zone,
    );
  }

  /**
   * Applies migrations, settles the office's zone (rebuilding the rollups of a database from before it, src/store/
   * office-calendar.ts) and adds catalog entries that are missing; returns the migrations applied.
   */
  async migrate(now_ms: number): Promise<{ migrations: string[]; catalog_added: number }> {
    const migrations = await migrate(this.connection);
    this.office_calendar = await settleCalendar(this.connection, this.time_zone, now_ms);
    const catalog_added = await this.catalog.seed(readCatalogFile(), now_ms);
    return { migrations, catalog_added };
  }

  /** SUANLI_ADMIN_KEY becomes the first administrator key when there is none yet. */
  async bootstrapAdministrator(admin_key: string | null, now_ms: number): Promise<boolean> {
    if (admin_key === null || (await this.apiKeys.hasActiveAdministrator())) return false;
    const office = await this.organizations.office(now_ms);
    await this.apiKeys.create(
      { org_id: office.id, role: 'administrator', label: 'bootstrap (SUANLI_ADMIN_KEY)', key_hash: hashApiKey(admin_key), key_prefix: admin_key.slice(0, 6) },
      system_actor,
      now_ms,
    );
    return true;
  }

  async close(): Promise<void> {
    await this.usage.close();
    await this.findings.close();
    await this.connection.close();
  }
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
