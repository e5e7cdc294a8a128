// `suanli calendar show|set-zone`: the office's zone (SUANLI_TIME_ZONE) and the zone the daily rollups count days in.
// Changing the zone is an operator's step with the servers stopped (docs/operations.md#the-offices-time-zone): the
// rollups are rebuilt from the records in the new zone, in one transaction, and the change is audited.
import { InvalidArgumentError, type Command } from 'commander';
import { canonicalTimeZone, OfficeCalendar } from '../../domain/calendar.js';
import { loadConfig } from '../../config.js';
import { operator_actor } from '../../store/audit-repository.js';
import { migrate, type Connection } from '../../store/database.js';
import { setZone, storedZone } from '../../store/office-calendar.js';
import { Store } from '../../store/store.js';

function zone(value: string): string {
  const canonical = canonicalTimeZone(value);
  if (canonical === null)
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not an IANA time zone this platform knows (e.g. Asia/Shanghai, Asia/Urumqi, UTC)`);
  return canonical;
}

/**
 * The database with its schema migrated but the zone not settled: these commands must run where the configured zone
 * and the stored one differ, which is what makes every other command refuse to start.
 */
async function withConnection<T>(f: (connection: Connection) => Promise<T>): Promise<T> {
  const store = Store.open(loadConfig());
  try {
    await migrate(store.connection);
    return await f(store.connection);
  } finally {
    await store.close();
  }
}

/** An instant for the operator, in `time_zone`. */
const shown = (ms: number, time_zone: string) => new OfficeCalendar(time_zone).formatInstant(ms);

export function register(parent: Command): void {
  const calendar = parent.command('calendar').description("the office's time zone: the zone its days and months are counted in (docs/operations.md)");

  calendar
    .command('show')
    .description('print the configured zone (SUANLI_TIME_ZONE) and the zone the rollups count days in; exit 1 when they differ')
    .action(async () => {
      const configured = loadConfig().time_zone;
      const stored = await withConnection(storedZone);
      console.log(`configured (SUANLI_TIME_ZONE)  ${configured}`);
      console.log(
        `rollups count days in          ${stored.time_zone}${stored.settled_at_ms === null ? ' (not settled yet: the next start rebuilds them in the configured zone)' : `, since ${shown(stored.settled_at_ms, stored.time_zone)}`}`,
      );
      if (stored.time_zone !== configured && stored.settled_at_ms !== null) {
        console.log(`they differ: servers refuse to start. Run \`suanli calendar set-zone ${configured}\`, or set SUANLI_TIME_ZONE=${stored.time_zone}`);
        process.exitCode = 1;
      }
    });

  calendar
    .command('set-zone <zone>')
    .description("rebuild the daily and monthly rollups in another IANA zone and record it as the office's (stop the servers first; back up first)")
    .action(async (name: string) => {
      const to = zone(name);
      const configured = loadConfig().time_zone;
      const r = await withConnection((connection) => setZone(connection, to, operator_actor, Date.now()));
      console.log(`office time zone: ${r.from} → ${r.to}; ${r.rollups} daily rollups rebuilt from ${r.records} usage records`);
      if (configured !== r.to) console.log(`start the servers with SUANLI_TIME_ZONE=${r.to} (it is ${configured} now: they would refuse to start)`);
    });
}
