// `suanli import sacct FILE|-`: the Slurm connector (docs/slurm.md).
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { openStore } from '../open-store.js';

/**
 * Records per transaction unless --batch says otherwise. Lower than import usage's 5,000: a batch's records and the
 * pipeline's copies of them outlive many young-generation collections while the next ones are parsed, and at 5,000 the
 * resident set of a 1,000,000-job import passed 300 MB (bench/sacct.ts: 308–319 MB under tsx; 259–271 MB at 2,000,
 * for about 6 % fewer records/s).
 */
export const sacct_batch_records_default = 2000;

export function register(parent: Command): void {
  parent
    .command('sacct <file>')
    .description(
      'import Slurm jobs from `TZ=UTC sacct --allusers --parsable2 --noheader --format=JobID,JobIDRaw,User,Account,Partition,Start,End,ElapsedRaw,AllocTRES,State` output (a file, or - for standard input); see docs/slurm.md',
    )
    .requiredOption('--mapping <file>', 'YAML or JSON: the suanli cluster, account → enterprise, GRES type → model, price per card-hour')
    .option('--tz <zone>', "zone of sacct's times: UTC (sacct ran with TZ=UTC) or a fixed offset such as +08:00", 'UTC')
    .option('--batch <n>', 'records per transaction', (v) => Number.parseInt(v, 10), sacct_batch_records_default)
    .option('--no-progress', 'no progress bar')
    .action(async (file: string, opts: { mapping: string; tz: string; batch: number; progress: boolean }) => {
      const { importSacctFile } = await import('../import-sacct.js');
      const config = loadConfig();
      const store = await openStore(config);
      try {
        const summary = await importSacctFile(store, config, {
          file,
          mapping_file: opts.mapping,
          tz: opts.tz,
          batch_records: opts.batch,
          progress: opts.progress,
        });
        if (summary.rejected > 0 && summary.accepted + summary.duplicates === 0) process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}
