// A pure, deterministic generator of a realistic demo data set for `suanli demo`: providers with clusters and
// their accelerator inventory, enterprises with valid credit codes, and 100k+ usage records that never overbook a
// cluster. No I/O, no clock, no Math.random: everything comes from a seeded PRNG (sfc32), so the same options give
// byte-identical output. Usage records come from a generator, in start-time order, so they never sit in one array.
//
// How the usage is made: every (cluster, model) pair is a "pool" with a piecewise-constant capacity (its inventory
// intervals cut to the demo window). Jobs arrive in each pool as a Poisson stream shaped by a Beijing-time day/week
// rhythm, drawn from a heavy-tailed mix (many short inference/eval jobs, fewer fine-tuning jobs, a few long
// pre-training runs), and a FIFO scheduler with a min-heap of running jobs starts each one when enough cards are free.
// A job never crosses an inventory boundary: like a Slurm maintenance reservation, a job that would run past the end
// of its interval waits for the next interval (or, at the end of the window or of the inventory, is not reported).
// Pools are then merged by start time.
import type { UsageRecordWire } from '../ingest/usage-schema.js';
import { creditCodeCheckChar, organizationCodeCheckChar } from '../domain/org/credit-code.js';
import type { OfficeCalendar } from '../domain/calendar.js';

export interface DemoOptions {
  seed: number;
  /** RFC 3339, e.g. '2026-08-01T00:00:00+08:00' (the first instant of August in Beijing). */
  start: string;
  /** Calendar months of usage from `start`, in the office's calendar (the same wall-clock time `months` later). */
  months: number;
  calendar: OfficeCalendar;
  /** At least this many usage records are generated. */
  records_min: number;
}
export interface DemoProvider {
  key: string;
  name: string;
  region: string; /* 6-digit admin division code */
}
export interface DemoEnterprise {
  key: string;
  name: string;
  credit_code: string;
  region: string;
  sector: string;
  size: 'micro' | 'small' | 'medium' | 'large';
}
export interface DemoCluster {
  key: string;
  provider_key: string;
  name: string;
  region: string;
  inventory: { accelerator: string; count: number; valid_from: string; valid_to?: string }[];
}
export interface DemoUsage {
  provider_key: string;
  cluster_key: string;
  enterprise_key: string;
  record: Omit<UsageRecordWire, 'cluster_id' | 'enterprise_id'>;
}
export interface DemoDataSet {
  providers: DemoProvider[];
  enterprises: DemoEnterprise[];
  clusters: DemoCluster[];
  usage(): Generator<DemoUsage>;
}

// ---------------------------------------------------------------------------------------------------------------
// PRNG: sfc32 (128-bit state), seeded through splitmix32 from (seed, stream name) so that every stream is independent.

class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number, stream: string) {
    let h = (seed >>> 0) ^ 0x9e3779b9;
    h = mix32(h ^ Math.floor(seed / 4294967296));
    for (let i = 0; i < stream.length; i++) h = mix32(h ^ stream.charCodeAt(i));
    let s = h;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      return mix32(s);
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = 1;
    for (let i = 0; i < 15; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  normal(): number {
    const u = 1 - this.next(); // (0, 1]
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  pick<T>(values: readonly T[], cum: readonly number[]): T {
    const x = this.next() * cum[cum.length - 1]!;
    let i = 0;
    while (i < cum.length - 1 && cum[i]! <= x) i++;
    return values[i]!;
  }
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

function cumulative(weights: readonly number[]): number[] {
  let s = 0;
  return weights.map((w) => (s += w));
}

// ---------------------------------------------------------------------------------------------------------------
// The models used (ids, origin and TDP as in catalog/accelerators.csv) with a typical rent in fen per card-hour.

type Tier = 'train' | 'mixed' | 'infer';
interface ModelMeta {
  domestic: boolean;
  tdp_w: number | null;
  price_fen: number;
  tier: Tier;
}

const MODELS: Readonly<Record<string, ModelMeta>> = {
  'huawei-ascend-910b': { domestic: true, tdp_w: 310, price_fen: 1000, tier: 'train' }, // ~¥8-12
  'huawei-ascend-910c': { domestic: true, tdp_w: null, price_fen: 1700, tier: 'train' }, // ~¥15-20
  'cambricon-mlu370-x8': { domestic: true, tdp_w: 250, price_fen: 500, tier: 'mixed' },
  'hygon-dcu-z100': { domestic: true, tdp_w: null, price_fen: 400, tier: 'mixed' },
  'moore-threads-mtt-s4000': { domestic: true, tdp_w: null, price_fen: 400, tier: 'infer' }, // ~¥3-5
  'biren-br100': { domestic: true, tdp_w: 550, price_fen: 850, tier: 'train' },
  'metax-c500': { domestic: true, tdp_w: null, price_fen: 750, tier: 'mixed' },
  'kunlunxin-p800': { domestic: true, tdp_w: null, price_fen: 900, tier: 'mixed' },
  'nvidia-a800-80gb-pcie': { domestic: false, tdp_w: 250, price_fen: 1250, tier: 'train' }, // ~¥10-15
  'nvidia-a100-80gb-sxm': { domestic: false, tdp_w: 400, price_fen: 1400, tier: 'train' },
  'nvidia-h800-sxm': { domestic: false, tdp_w: 700, price_fen: 2000, tier: 'train' }, // ~¥15-25
  'nvidia-h20': { domestic: false, tdp_w: 400, price_fen: 1000, tier: 'mixed' },
  'nvidia-l20': { domestic: false, tdp_w: 275, price_fen: 500, tier: 'infer' },
  'nvidia-rtx-4090': { domestic: false, tdp_w: 450, price_fen: 250, tier: 'infer' }, // ~¥2-3
};

function modelMeta(id: string): ModelMeta {
  const m = MODELS[id];
  if (m === undefined) throw new Error(`demo data: model ${id} is not in the demo table`);
  return m;
}

// ---------------------------------------------------------------------------------------------------------------
// Providers and clusters. Inventory dates are relative to the demo window: `from`/`to` are fractions of the window
// (negative = days before it), snapped to whole UTC days. Domestic cards grow during the window, foreign ones shrink.

interface InvDef {
  accelerator: string;
  count: number;
  from: number | { days_before: number };
  to?: number;
}
interface ClusterDef {
  key: string;
  name: string;
  region: string;
  price_factor: number;
  utilization: number;
  metered: number;
  inventory: InvDef[];
}
interface ProviderDef {
  key: string;
  name: string;
  region: string;
  clusters: ClusterDef[];
}

const PROVIDERS: readonly ProviderDef[] = [
  {
    key: 'prov-sh-ai-compute',
    name: '浦江智算中心（上海）有限公司 (Pujiang AI Compute Centre, Shanghai)',
    region: '310000',
    clusters: [
      {
        key: 'clu-sh-pujiang-ascend',
        name: '浦江一号昇腾训练集群 (Pujiang-1 Ascend training cluster)',
        region: '310000',
        price_factor: 1.05,
        utilization: 0.72,
        metered: 0.5,
        inventory: [
          { accelerator: 'huawei-ascend-910b', count: 1024, from: { days_before: 300 }, to: 0.45 },
          { accelerator: 'huawei-ascend-910b', count: 2048, from: 0.45 }, // phase-2 expansion
        ],
      },
      {
        key: 'clu-sh-pujiang-gpu',
        name: '浦江二号 GPU 集群 (Pujiang-2 GPU cluster)',
        region: '310000',
        price_factor: 1.05,
        utilization: 0.75,
        metered: 0.5,
        inventory: [
          { accelerator: 'nvidia-h800-sxm', count: 512, from: { days_before: 520 } },
          { accelerator: 'nvidia-a800-80gb-pcie', count: 256, from: { days_before: 760 } },
        ],
      },
    ],
  },
  {
    key: 'prov-gz-guian-dc',
    name: "贵安云岭数据中心有限公司 (Gui'an Yunling Data Centre Co., Ltd.)",
    region: '520100',
    clusters: [
      {
        key: 'clu-ga-yunling-a',
        name: '云岭 A 区 (Yunling zone A)',
        region: '520100',
        price_factor: 0.9,
        utilization: 0.45,
        metered: 1,
        inventory: [
          { accelerator: 'huawei-ascend-910b', count: 2048, from: { days_before: 410 } },
          { accelerator: 'hygon-dcu-z100', count: 512, from: { days_before: 600 } },
        ],
      },
      {
        key: 'clu-ga-yunling-b',
        name: '云岭 B 区 (Yunling zone B)',
        region: '520100',
        price_factor: 0.9,
        utilization: 0.5,
        metered: 1,
        inventory: [
          { accelerator: 'cambricon-mlu370-x8', count: 768, from: { days_before: 480 } },
          { accelerator: 'nvidia-h20', count: 512, from: { days_before: 200 } },
        ],
      },
    ],
  },
  {
    key: 'prov-bj-cloud',
    name: '京北云算科技有限公司 (Jingbei Cloud Compute Technology Co., Ltd.)',
    region: '110000',
    clusters: [
      {
        key: 'clu-bj-jingbei-gpu',
        name: '京北 GPU 云 (Jingbei GPU cloud)',
        region: '110000',
        price_factor: 1.1,
        utilization: 0.74,
        metered: 0.1,
        inventory: [
          { accelerator: 'nvidia-h20', count: 1536, from: { days_before: 240 } },
          { accelerator: 'nvidia-l20', count: 768, from: { days_before: 220 } },
          { accelerator: 'nvidia-a100-80gb-sxm', count: 256, from: { days_before: 900 } },
        ],
      },
      {
        key: 'clu-bj-jingbei-xpu',
        name: '京北国产异构云 (Jingbei domestic heterogeneous cloud)',
        region: '110000',
        price_factor: 1.05,
        utilization: 0.6,
        metered: 0.1,
        inventory: [
          { accelerator: 'metax-c500', count: 512, from: { days_before: 150 } },
          { accelerator: 'biren-br100', count: 256, from: { days_before: 330 } },
          { accelerator: 'kunlunxin-p800', count: 512, from: 0.3 }, // new this quarter
        ],
      },
    ],
  },
  {
    key: 'prov-sz-qingyang',
    name: '深庆算力网络有限公司 (Shen-Qing Compute Network Co., Ltd.)',
    region: '440300',
    clusters: [
      {
        key: 'clu-qy-dongshu-xisuan',
        name: '庆阳东数西算一号 (Qingyang East-Data-West-Compute 1)',
        region: '621000',
        price_factor: 0.9,
        utilization: 0.55,
        metered: 1,
        inventory: [
          { accelerator: 'huawei-ascend-910b', count: 1536, from: { days_before: 250 } },
          { accelerator: 'huawei-ascend-910c', count: 1024, from: 0.25 }, // commissioned during the window
        ],
      },
      {
        key: 'clu-sz-nanshan-infer',
        name: '南山推理集群 (Nanshan inference cluster)',
        region: '440300',
        price_factor: 1,
        utilization: 0.7,
        metered: 0.3,
        inventory: [
          { accelerator: 'nvidia-rtx-4090', count: 1024, from: { days_before: 380 } },
          { accelerator: 'nvidia-l20', count: 512, from: { days_before: 200 } },
        ],
      },
    ],
  },
  {
    key: 'prov-cd-rongcheng',
    name: '蓉城算力服务有限公司 (Rongcheng Compute Services Co., Ltd.)',
    region: '510100',
    clusters: [
      {
        key: 'clu-cd-rongcheng-1',
        name: '蓉城一号 (Rongcheng-1)',
        region: '510100',
        price_factor: 0.95,
        utilization: 0.65,
        metered: 0.3,
        inventory: [
          { accelerator: 'moore-threads-mtt-s4000', count: 512, from: { days_before: 200 }, to: 0.35 },
          { accelerator: 'moore-threads-mtt-s4000', count: 1024, from: 0.35 },
          { accelerator: 'cambricon-mlu370-x8', count: 256, from: { days_before: 420 } },
        ],
      },
      {
        key: 'clu-cd-rongcheng-2',
        name: '蓉城二号 (Rongcheng-2)',
        region: '510100',
        price_factor: 0.95,
        utilization: 0.7,
        metered: 0.3,
        inventory: [
          { accelerator: 'nvidia-a800-80gb-pcie', count: 512, from: { days_before: 900 }, to: 0.7 }, // retired
          { accelerator: 'huawei-ascend-910b', count: 512, from: 0.55 }, // its domestic replacement
        ],
      },
    ],
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Enterprises (invented names). pref: which chips the firm prefers to rent.

type Size = DemoEnterprise['size'];
type Pref = 'domestic' | 'foreign' | 'mixed';
interface EnterpriseDef {
  key: string;
  name: string;
  region: string;
  sector: string;
  size: Size;
  pref: Pref;
}

const E = (key: string, name: string, region: string, sector: string, size: Size, pref: Pref): EnterpriseDef => ({ key, name, region, sector, size, pref });

const ENTERPRISES: readonly EnterpriseDef[] = [
  E('ent-sh-lanxu', '上海澜序智能科技有限公司 (Shanghai Lanxu Intelligent Technology Co., Ltd.)', '310000', 'large_models', 'medium', 'domestic'),
  E('ent-sh-hengyu', '上海衡屿生物医药科技有限公司 (Shanghai Hengyu Biomedical Technology Co., Ltd.)', '310115', 'biomedicine', 'small', 'mixed'),
  E('ent-sh-puyao', '上海浦曜智驾科技有限公司 (Shanghai Puyao Autonomous Driving Technology Co., Ltd.)', '310000', 'autonomous_driving', 'medium', 'foreign'),
  E('ent-sh-zhicheng', '上海知澄金融信息服务有限公司 (Shanghai Zhicheng Financial Information Services Co., Ltd.)', '310000', 'finance', 'medium', 'mixed'),
  E('ent-sh-xingluo', '上海星络智造科技有限公司 (Shanghai Xingluo Smart Manufacturing Technology Co., Ltd.)', '310115', 'manufacturing', 'small', 'domestic'),
  E('ent-sh-shiguang', '上海拾光人工智能研究院有限公司 (Shanghai Shiguang AI Research Institute Co., Ltd.)', '310000', 'research', 'medium', 'domestic'),
  E('ent-bj-shenheng', '北京深衡大模型科技有限公司 (Beijing Shenheng Large Model Technology Co., Ltd.)', '110000', 'large_models', 'large', 'mixed'),
  E('ent-bj-chengsi', '北京澄思智能科技有限公司 (Beijing Chengsi Intelligence Technology Co., Ltd.)', '110000', 'large_models', 'small', 'domestic'),
  E('ent-bj-yanxing', '北京燕行自动驾驶技术有限公司 (Beijing Yanxing Autonomous Driving Co., Ltd.)', '110000', 'autonomous_driving', 'medium', 'foreign'),
  E('ent-bj-bencao', '北京本草智算医药科技有限公司 (Beijing Bencao AI Pharma Technology Co., Ltd.)', '110000', 'biomedicine', 'small', 'domestic'),
  E('ent-bj-jinshu', '北京金枢数据科技有限公司 (Beijing Jinshu Data Technology Co., Ltd.)', '110000', 'finance', 'micro', 'foreign'),
  E(
    'ent-bj-jingxi',
    '北京京西计算科学研究院有限公司 (Beijing Jingxi Institute of Computational Science Co., Ltd.)',
    '110000',
    'research',
    'medium',
    'domestic',
  ),
  E('ent-sz-pengyu', '深圳鹏语智能科技有限公司 (Shenzhen Pengyu Intelligent Technology Co., Ltd.)', '440300', 'large_models', 'medium', 'foreign'),
  E('ent-sz-qianwan', '深圳前湾智驾科技有限公司 (Shenzhen Qianwan Smart Driving Technology Co., Ltd.)', '440300', 'autonomous_driving', 'large', 'mixed'),
  E('ent-sz-yunwei', '深圳云蔚机器人有限公司 (Shenzhen Yunwei Robotics Co., Ltd.)', '440300', 'manufacturing', 'small', 'domestic'),
  E('ent-sz-anheng', '深圳安衡金融科技有限公司 (Shenzhen Anheng Fintech Co., Ltd.)', '440300', 'finance', 'small', 'foreign'),
  E('ent-sz-weilan', '深圳微澜基因科技有限公司 (Shenzhen Weilan Genomics Co., Ltd.)', '440300', 'biomedicine', 'micro', 'domestic'),
  E('ent-sz-shijie', '深圳视界智能科技有限公司 (Shenzhen Shijie Vision Intelligence Co., Ltd.)', '440300', 'manufacturing', 'micro', 'foreign'),
  E('ent-hz-xixi', '杭州西溪大模型科技有限公司 (Hangzhou Xixi Large Model Technology Co., Ltd.)', '330100', 'large_models', 'small', 'domestic'),
  E('ent-hz-qiantang', '杭州钱塘智造科技有限公司 (Hangzhou Qiantang Smart Manufacturing Co., Ltd.)', '330100', 'manufacturing', 'medium', 'domestic'),
  E('ent-hz-liangzhu', '杭州良渚生物计算有限公司 (Hangzhou Liangzhu Biocomputing Co., Ltd.)', '330100', 'biomedicine', 'small', 'mixed'),
  E('ent-hz-gongchen', '杭州拱宸金融智能科技有限公司 (Hangzhou Gongchen Financial AI Technology Co., Ltd.)', '330100', 'finance', 'small', 'foreign'),
  E('ent-hz-yunfan', '杭州云帆语音科技有限公司 (Hangzhou Yunfan Speech Technology Co., Ltd.)', '330100', 'large_models', 'micro', 'mixed'),
  E('ent-cd-tianfu', '成都天府智能体科技有限公司 (Chengdu Tianfu Agent Technology Co., Ltd.)', '510100', 'large_models', 'small', 'domestic'),
  E('ent-cd-jincheng', '成都锦城医学影像科技有限公司 (Chengdu Jincheng Medical Imaging Technology Co., Ltd.)', '510100', 'biomedicine', 'small', 'domestic'),
  E('ent-cd-rongxing', '成都蓉行智驾科技有限公司 (Chengdu Rongxing Smart Driving Technology Co., Ltd.)', '510100', 'autonomous_driving', 'small', 'mixed'),
  E('ent-cd-xiling', '成都西岭科学计算研究院有限公司 (Chengdu Xiling Scientific Computing Institute Co., Ltd.)', '510100', 'research', 'medium', 'domestic'),
  E('ent-gy-zhushan', '贵阳筑山数据智能有限公司 (Guiyang Zhushan Data Intelligence Co., Ltd.)', '520100', 'large_models', 'small', 'domestic'),
  E('ent-gy-guanshan', '贵阳观山湖智慧制造有限公司 (Guiyang Guanshanhu Smart Manufacturing Co., Ltd.)', '520100', 'manufacturing', 'micro', 'domestic'),
  E('ent-gy-huaxi', '贵阳花溪遥感科技有限公司 (Guiyang Huaxi Remote Sensing Technology Co., Ltd.)', '520100', 'research', 'small', 'mixed'),
];

/** Provider whose home market an enterprise region belongs to (Hangzhou firms lean to Shanghai). */
const HOME_PROVIDER: Readonly<Record<string, string>> = {
  '310000': 'prov-sh-ai-compute',
  '310115': 'prov-sh-ai-compute',
  '330100': 'prov-sh-ai-compute',
  '110000': 'prov-bj-cloud',
  '440300': 'prov-sz-qingyang',
  '510100': 'prov-cd-rongcheng',
  '520100': 'prov-gz-guian-dc',
};

// ---------------------------------------------------------------------------------------------------------------
// Unified social credit code (GB 32100-2015) with a GB 11714 organization code in positions 9-17.

function creditCode(region: string, rng: Rng): string {
  let org = String(1 + rng.int(9));
  for (let i = 1; i < 8; i++) org += String(rng.int(10));
  const first17 = '91' + region + org + organizationCodeCheckChar(org);
  return first17 + creditCodeCheckChar(first17);
}

// ---------------------------------------------------------------------------------------------------------------
// Time.

const DAY = 86_400;

function parseStart(start: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(start)) {
    throw new RangeError(`demo data: start "${start}" is not an RFC 3339 instant`);
  }
  const ms = Date.parse(start);
  if (!Number.isFinite(ms)) throw new RangeError(`demo data: start "${start}" is not a valid instant`);
  return Math.floor(ms / 1000);
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
let isoDay = Number.NaN;
let isoPrefix = '';

/** 'YYYY-MM-DDTHH:MM:SSZ' for whole seconds since the epoch (the date part is cached per day: records come in order). */
function iso(t: number): string {
  const day = Math.floor(t / DAY);
  if (day !== isoDay) {
    isoDay = day;
    isoPrefix = new Date(day * DAY * 1000).toISOString().slice(0, 11);
  }
  const sec = t - day * DAY;
  return isoPrefix + TWO_DIGITS[Math.floor(sec / 3600)]! + ':' + TWO_DIGITS[Math.floor(sec / 60) % 60]! + ':' + TWO_DIGITS[sec % 60]! + 'Z';
}

/** Relative arrival intensity by Beijing local hour (UTC+8): quiet nights, busy working hours. */
const HOURLY = [0.45, 0.4, 0.35, 0.35, 0.35, 0.4, 0.5, 0.7, 0.95, 1.15, 1.25, 1.25, 1.1, 1.2, 1.3, 1.3, 1.25, 1.15, 1.0, 0.95, 0.9, 0.8, 0.7, 0.55];
const WEEKEND = 0.7;
const INTENSITY_MAX = 1.3;
const INTENSITY_MEAN = (HOURLY.reduce((a, b) => a + b, 0) / 24) * ((5 + 2 * WEEKEND) / 7);

function intensity(t: number): number {
  const local = t + 8 * 3600;
  const hour = Math.floor(local / 3600) % 24;
  const dow = (Math.floor(local / DAY) + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  return HOURLY[hour]! * (dow === 0 || dow === 6 ? WEEKEND : 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Job classes.

const Kind = { Inference: 0, FineTune: 1, PreTrain: 2 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

interface ClassDef {
  counts: readonly number[];
  count_cum: readonly number[];
  median_s: number;
  sigma: number;
  min_s: number;
  max_s: number;
}
const CLASSES: readonly ClassDef[] = [
  { counts: [1, 2, 4, 8], count_cum: cumulative([0.55, 0.08, 0.12, 0.25]), median_s: 40 * 60, sigma: 1.25, min_s: 90, max_s: 36 * 3600 },
  { counts: [8, 16, 32, 64], count_cum: cumulative([0.45, 0.3, 0.18, 0.07]), median_s: 5 * 3600, sigma: 1.0, min_s: 15 * 60, max_s: 7 * DAY },
  { counts: [64, 128, 256, 512], count_cum: cumulative([0.3, 0.35, 0.25, 0.1]), median_s: 54 * 3600, sigma: 0.95, min_s: 4 * 3600, max_s: 30 * DAY },
];
/** Share of fine-tuning among training jobs, and jobs per card-hour relative to training pools, by tier. */
const TIER: Readonly<Record<Tier, { finetune_share: number; density: number; inference_min: number }>> = {
  train: { finetune_share: 0.78, density: 1, inference_min: 0.45 },
  mixed: { finetune_share: 0.8, density: 1.6, inference_min: 0.65 },
  infer: { finetune_share: 0.9, density: 3, inference_min: 0.85 },
};
const DURATION_MAX_S = 30 * DAY;

function countLimit(kind: Kind, cap: number, tier: Tier): number {
  const mult8 = (n: number): number => Math.max(8, Math.floor(n / 8) * 8);
  if (kind === Kind.Inference) return cap;
  const limit = kind === Kind.FineTune ? mult8(cap / 2) : mult8(cap / 4);
  return Math.min(limit, tier === 'infer' ? 64 : limit, cap);
}

function drawCount(rng: Rng, kind: Kind, limit: number): number {
  const c = CLASSES[kind]!;
  return Math.min(rng.pick(c.counts, c.count_cum), limit);
}

function drawDuration(rng: Rng, kind: Kind, scale: number): number {
  const c = CLASSES[kind]!;
  const d = Math.min(c.max_s, Math.max(c.min_s, c.median_s * Math.exp(c.sigma * rng.normal())));
  return Math.max(60, Math.min(DURATION_MAX_S, Math.round(d * scale)));
}

// ---------------------------------------------------------------------------------------------------------------
// Plan.

interface Segment {
  from: number;
  to: number;
  cap: number;
}
interface Pool {
  index: number;
  provider: number;
  cluster: number;
  cluster_key: string;
  provider_key: string;
  model: string;
  meta: ModelMeta;
  segments: Segment[];
  /** Arrival rate bound (per second) for thinning. */
  rate_max: number;
  class_cum: number[];
  dur_scale: number;
  limits: [number, number, number];
  ents_all: { idx: number[]; cum: number[] };
  ents_train: { idx: number[]; cum: number[] };
  list_price: number;
  metered: number;
}
interface EntRuntime {
  discount: number;
}
interface Plan {
  pools: Pool[];
  ents: EntRuntime[];
  seed: number;
}

interface Built {
  providers: DemoProvider[];
  enterprises: DemoEnterprise[];
  clusters: DemoCluster[];
  /** Per cluster (index into clusters): inventory with numeric bounds. */
  inventory: { accelerator: string; count: number; from: number; to: number | null }[][];
  clusterProvider: number[];
  clusterDef: ClusterDef[];
  entProviders: number[][];
  entWeight: number[];
  entDiscount: number[];
}

function buildStatic(seed: number, t0: number, t1: number): Built {
  const span = t1 - t0;
  const at = (x: number | { days_before: number }): number => (typeof x === 'number' ? t0 + Math.round((x * span) / DAY) * DAY : t0 - x.days_before * DAY);

  const providers: DemoProvider[] = PROVIDERS.map((p) => ({ key: p.key, name: p.name, region: p.region }));
  const clusters: DemoCluster[] = [];
  const inventory: Built['inventory'] = [];
  const clusterProvider: number[] = [];
  const clusterDef: ClusterDef[] = [];
  PROVIDERS.forEach((p, pi) => {
    for (const c of p.clusters) {
      const inv = c.inventory.map((i) => ({ accelerator: i.accelerator, count: i.count, from: at(i.from), to: i.to === undefined ? null : at(i.to) }));
      inventory.push(inv);
      clusterProvider.push(pi);
      clusterDef.push(c);
      clusters.push({
        key: c.key,
        provider_key: p.key,
        name: c.name,
        region: c.region,
        inventory: inv.map((i) =>
          i.to === null
            ? { accelerator: i.accelerator, count: i.count, valid_from: iso(i.from) }
            : { accelerator: i.accelerator, count: i.count, valid_from: iso(i.from), valid_to: iso(i.to) },
        ),
      });
    }
  });

  // Domestic share of each provider's cards (for matching enterprises' preferences).
  const domesticShare = PROVIDERS.map((p) => {
    let dom = 0;
    let all = 0;
    for (const c of p.clusters)
      for (const i of c.inventory) {
        all += i.count;
        if (modelMeta(i.accelerator).domestic) dom += i.count;
      }
    return dom / all;
  });

  const rng = new Rng(seed, 'enterprises');
  const enterprises: DemoEnterprise[] = [];
  const entProviders: number[][] = [];
  const entWeight: number[] = [];
  const entDiscount: number[] = [];
  const sizeWeight: Record<Size, number> = { micro: 0.5, small: 1, medium: 2.5, large: 6 };
  const sizeDiscount: Record<Size, number> = { micro: 1, small: 0.97, medium: 0.92, large: 0.86 };
  for (const e of ENTERPRISES) {
    enterprises.push({ key: e.key, name: e.name, credit_code: creditCode(e.region, rng), region: e.region, sector: e.sector, size: e.size });
    const n = e.size === 'large' ? 3 : e.size === 'medium' ? 2 + rng.int(2) : e.size === 'small' ? 1 + rng.int(2) : 1;
    const score = PROVIDERS.map((p, pi) => {
      const fit = e.pref === 'domestic' ? domesticShare[pi]! : e.pref === 'foreign' ? 1 - domesticShare[pi]! : 0.5;
      return (HOME_PROVIDER[e.region] === p.key ? 2.5 : 0.4) * (0.2 + fit) * (0.6 + 0.8 * rng.next());
    });
    const chosen: number[] = [];
    while (chosen.length < n) {
      let best = -1;
      for (let pi = 0; pi < score.length; pi++) {
        if (!chosen.includes(pi) && (best < 0 || score[pi]! > score[best]!)) best = pi;
      }
      chosen.push(best);
    }
    entProviders.push(chosen.sort((a, b) => a - b));
    entWeight.push(sizeWeight[e.size] * (0.5 + rng.next()));
    entDiscount.push(sizeDiscount[e.size] * (0.98 + 0.04 * rng.next()));
  }
  // Every provider serves at least three enterprises: add it to those with the fewest providers.
  for (let pi = 0; pi < PROVIDERS.length; pi++) {
    let have = entProviders.filter((ps) => ps.includes(pi)).length;
    for (let k = 0; have < 3 && k < 3; k++) {
      for (let ei = 0; ei < entProviders.length && have < 3; ei++) {
        const ps = entProviders[ei]!;
        if (ps.length === k + 1 && !ps.includes(pi)) {
          ps.push(pi);
          ps.sort((a, b) => a - b);
          have++;
        }
      }
    }
  }
  return { providers, enterprises, clusters, inventory, clusterProvider, clusterDef, entProviders, entWeight, entDiscount };
}

function buildPlan(b: Built, seed: number, t0: number, t1: number, target: number): Plan {
  const pools: Pool[] = [];
  const rng = new Rng(seed, 'plan');
  b.clusters.forEach((c, ci) => {
    const models: string[] = [];
    for (const i of b.inventory[ci]!) if (!models.includes(i.accelerator)) models.push(i.accelerator);
    for (const model of models) {
      const segments = b.inventory[ci]!.filter((i) => i.accelerator === model)
        .map((i) => ({ from: Math.max(t0, i.from), to: Math.min(t1, i.to ?? t1), cap: i.count }))
        .filter((s) => s.to - s.from >= 3600)
        .sort((x, y) => x.from - y.from);
      if (segments.length === 0) continue;
      const meta = modelMeta(model);
      const def = b.clusterDef[ci]!;
      const pi = b.clusterProvider[ci]!;
      const pref = (ei: number): number => {
        const p = ENTERPRISES[ei]!.pref;
        return p === 'mixed' ? 0.8 : (p === 'domestic') === meta.domestic ? 1 : p === 'domestic' ? 0.12 : 0.25;
      };
      const all: number[] = [];
      const train: number[] = [];
      for (let ei = 0; ei < ENTERPRISES.length; ei++) {
        if (!b.entProviders[ei]!.includes(pi)) continue;
        all.push(ei);
        const e = ENTERPRISES[ei]!;
        if (e.size === 'medium' || e.size === 'large' || (e.size === 'small' && ['large_models', 'autonomous_driving', 'research'].includes(e.sector)))
          train.push(ei);
      }
      const table = (idx: number[]): { idx: number[]; cum: number[] } => ({ idx, cum: cumulative(idx.map((ei) => b.entWeight[ei]! * pref(ei))) });
      const capMax = Math.max(...segments.map((s) => s.cap));
      const limits: [number, number, number] = [
        countLimit(Kind.Inference, capMax, meta.tier),
        countLimit(Kind.FineTune, capMax, meta.tier),
        countLimit(Kind.PreTrain, capMax, meta.tier),
      ];
      pools.push({
        index: pools.length,
        provider: pi,
        cluster: ci,
        cluster_key: c.key,
        provider_key: c.provider_key,
        model,
        meta,
        segments,
        rate_max: 0,
        class_cum: [],
        dur_scale: 1,
        limits,
        ents_all: table(all),
        ents_train: table(train.length > 0 ? train : all),
        list_price: meta.price_fen * def.price_factor * (0.96 + 0.08 * rng.next()),
        metered: meta.tdp_w === null ? 0 : def.metered,
      });
    }
  });

  // Share of the jobs: by card-time, weighted by how job-dense the tier is.
  const cardTime = pools.map((p) => p.segments.reduce((s, g) => s + g.cap * (g.to - g.from), 0));
  const weights = pools.map((p, i) => cardTime[i]! * TIER[p.meta.tier].density);
  const totalWeight = weights.reduce((a, b2) => a + b2, 0);
  const calib = new Rng(seed, 'calibration');
  for (const p of pools) {
    const i = p.index;
    const tier = TIER[p.meta.tier];
    const len = p.segments.reduce((s, g) => s + (g.to - g.from), 0);
    const jobs = Math.max(1, (target * weights[i]!) / totalWeight);
    const util = b.clusterDef[p.cluster]!.utilization * (0.92 + 0.16 * rng.next());
    const capAvg = cardTime[i]! / len;
    // Mean card-seconds per job of each class (Monte Carlo, deterministic).
    const mean = ([Kind.Inference, Kind.FineTune, Kind.PreTrain] as const).map((k) => {
      let s = 0;
      const n = 3000;
      for (let j = 0; j < n; j++) s += Math.min(drawCount(calib, k, p.limits[k]!), capAvg) * drawDuration(calib, k, 1);
      return s / n;
    });
    const big = tier.finetune_share * mean[1]! + (1 - tier.finetune_share) * mean[2]!;
    const wanted = (util * cardTime[i]!) / jobs;
    let q = (big - wanted) / (big - mean[0]!);
    q = Math.min(0.995, Math.max(tier.inference_min, q));
    const perJob = q * mean[0]! + (1 - q) * big;
    p.dur_scale = perJob > wanted ? wanted / perJob : 1;
    p.class_cum = cumulative([q, (1 - q) * tier.finetune_share, (1 - q) * (1 - tier.finetune_share)]);
    p.rate_max = ((jobs / len) * INTENSITY_MAX) / INTENSITY_MEAN;
  }
  return { pools, ents: b.entDiscount.map((d) => ({ discount: d })), seed };
}

// ---------------------------------------------------------------------------------------------------------------
// Simulation of one pool: FIFO over a min-heap of running jobs' end times.

interface Job {
  s: number;
  e: number;
  count: number;
  ent: number;
  training: boolean;
  amount_fen: number;
  energy_wh: number;
  pool: number;
}
interface Pending {
  arrival: number;
  d: number;
  count: number;
  ent: number;
  training: boolean;
  price: number;
  energy_factor: number;
}

class EndHeap {
  private ends: Float64Array;
  private counts: Int32Array;
  size = 0;
  constructor(capacity: number) {
    this.ends = new Float64Array(capacity + 1);
    this.counts = new Int32Array(capacity + 1);
  }
  clear(): void {
    this.size = 0;
  }
  topEnd(): number {
    return this.ends[0]!;
  }
  topCount(): number {
    return this.counts[0]!;
  }
  push(end: number, count: number): void {
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.ends[parent]! <= end) break;
      this.ends[i] = this.ends[parent]!;
      this.counts[i] = this.counts[parent]!;
      i = parent;
    }
    this.ends[i] = end;
    this.counts[i] = count;
  }
  pop(): void {
    const n = --this.size;
    if (n === 0) return;
    const end = this.ends[n]!;
    const count = this.counts[n]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.ends[child + 1]! < this.ends[child]!) child++;
      if (this.ends[child]! >= end) break;
      this.ends[i] = this.ends[child]!;
      this.counts[i] = this.counts[child]!;
      i = child;
    }
    this.ends[i] = end;
    this.counts[i] = count;
  }
}

function* simulatePool(p: Pool, plan: Plan): Generator<Job, void> {
  const rng = new Rng(plan.seed, `pool:${p.index}`);
  const heap = new EndHeap(Math.max(...p.segments.map((s) => s.cap)));
  const tdp = p.meta.tdp_w ?? 0;
  let carried: Pending[] = [];

  const draw = (arrival: number, cap: number): Pending => {
    const kind = rng.pick<Kind>([Kind.Inference, Kind.FineTune, Kind.PreTrain], p.class_cum);
    const count = Math.min(drawCount(rng, kind, p.limits[kind]!), kind === Kind.Inference ? cap : Math.max(8, Math.floor(cap / 8) * 8), cap);
    const d = drawDuration(rng, kind, p.dur_scale);
    const table = kind === Kind.PreTrain ? p.ents_train : p.ents_all;
    const ent = rng.pick(table.idx, table.cum);
    const training = kind !== Kind.Inference;
    const reserved = training && d >= DAY ? 0.95 : 1; // reserved-capacity rate for long runs
    const price = Math.round(p.list_price * plan.ents[ent]!.discount * reserved * (0.98 + 0.04 * rng.next()));
    const energy_factor = rng.next() < p.metered ? (training ? rng.range(0.75, 0.9) : rng.range(0.6, 0.8)) : 0;
    return { arrival, d, count, ent, training, price, energy_factor };
  };

  for (let k = 0; k < p.segments.length; k++) {
    const seg = p.segments[k]!;
    const prev = p.segments[k - 1];
    const queue = prev !== undefined && prev.to === seg.from ? carried.filter((j) => j.count <= seg.cap) : [];
    carried = [];
    heap.clear();
    let free = seg.cap;
    let lastStart = seg.from;
    let clock = seg.from;
    let qi = 0;
    let blocked = false;
    for (;;) {
      let job: Pending;
      if (qi < queue.length) {
        job = queue[qi++]!;
      } else {
        // Next arrival by thinning a Poisson stream of rate rate_max.
        do clock += Math.max(1, Math.round(-Math.log(1 - rng.next()) / p.rate_max));
        while (clock < seg.to && rng.next() * INTENSITY_MAX >= intensity(clock));
        if (clock >= seg.to) break;
        job = draw(clock, seg.cap);
      }
      if (blocked) {
        carried.push(job);
        continue;
      }
      let s = Math.max(job.arrival, lastStart);
      while (heap.size > 0 && heap.topEnd() <= s) {
        free += heap.topCount();
        heap.pop();
      }
      while (free < job.count) {
        s = Math.max(s, heap.topEnd());
        free += heap.topCount();
        heap.pop();
        while (heap.size > 0 && heap.topEnd() <= s) {
          free += heap.topCount();
          heap.pop();
        }
      }
      if (s >= seg.to) {
        blocked = true;
        carried.push(job);
        continue;
      }
      const e = s + job.d;
      // A job that would run past the interval waits for the next one (or, without one, is not reported). The queue
      // has still advanced to s: cards released up to s were counted as free, so no later job may start before s.
      if (e > seg.to) {
        carried.push(job);
        lastStart = s;
        continue;
      }
      heap.push(e, job.count);
      free -= job.count;
      lastStart = s;
      const card_h = (job.count * job.d) / 3600;
      yield {
        s,
        e,
        count: job.count,
        ent: job.ent,
        training: job.training,
        pool: p.index,
        amount_fen: Math.round(job.price * card_h),
        energy_wh: job.energy_factor > 0 ? Math.round(card_h * tdp * job.energy_factor) : -1,
      };
    }
  }
}

function countJobs(plan: Plan): number {
  let n = 0;
  for (const p of plan.pools) for (const _ of simulatePool(p, plan)) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Record ids: v4-UUID-shaped. 64 of the bits are a keyed permutation (Feistel) of a running counter, so ids are
// unique by construction; the rest come from the PRNG.

function hex8(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}

function makeIds(seed: number): () => string {
  const rng = new Rng(seed, 'record-ids');
  const keys = [rng.u32(), rng.u32(), rng.u32(), rng.u32()];
  let seq = 0;
  return () => {
    let l = 0x5a17 ^ Math.floor(seq / 4294967296);
    let r = seq >>> 0;
    seq++;
    for (const k of keys) {
      const f = mix32(r ^ k);
      const nl = r;
      r = (l ^ f) >>> 0;
      l = nl;
    }
    const w1 = ((rng.u32() & 0xffff0fff) | 0x00004000) >>> 0;
    const w2 = ((rng.u32() & 0x3fffffff) | 0x80000000) >>> 0;
    const h1 = hex8(w1);
    const h2 = hex8(w2);
    return `${hex8(l)}-${h1.slice(0, 4)}-${h1.slice(4)}-${h2.slice(0, 4)}-${h2.slice(4)}${hex8(r)}`;
  };
}

// ---------------------------------------------------------------------------------------------------------------

export function demoDataSet(options: DemoOptions): DemoDataSet {
  const { seed, months, records_min } = options;
  if (!Number.isFinite(seed)) throw new RangeError('demo data: seed must be a finite number');
  if (!Number.isInteger(months) || months < 1 || months > 60) throw new RangeError('demo data: months must be an integer in 1..60');
  if (!Number.isInteger(records_min) || records_min < 0) throw new RangeError('demo data: records_min must be a non-negative integer');
  const t0 = parseStart(options.start);
  const t1 = Math.floor(options.calendar.addMonths(t0 * 1000, months) / 1000);

  const built = buildStatic(seed, t0, t1);
  // Calibrate the job density so that at least records_min records come out (a dry run counts them).
  let target = records_min * 1.04 + 200;
  let plan = buildPlan(built, seed, t0, t1, target);
  for (let attempt = 0; ; attempt++) {
    const n = countJobs(plan);
    if (n >= records_min) break;
    if (attempt >= 12) throw new RangeError(`demo data: could not fit ${records_min} records into ${months} month(s) of capacity`);
    target *= Math.max(1.03, (records_min / Math.max(1, n)) * 1.03);
    plan = buildPlan(built, seed, t0, t1, target);
  }
  const finalPlan = plan;

  const enterpriseKeys = built.enterprises.map((e) => e.key);
  const clusterCount = built.clusters.length;

  function* usage(): Generator<DemoUsage> {
    const gens = finalPlan.pools.map((p) => simulatePool(p, finalPlan));
    const heads: (Job | undefined)[] = gens.map((g) => g.next().value ?? undefined);
    const nextId = makeIds(finalPlan.seed);
    const refs = new Rng(finalPlan.seed, 'job-refs');
    const jobSeq: number[] = [];
    for (let c = 0; c < clusterCount; c++) jobSeq.push(100_000 + refs.int(800_000));
    for (;;) {
      let best = -1;
      let bestS = Number.POSITIVE_INFINITY;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h !== undefined && h.s < bestS) {
          best = i;
          bestS = h.s;
        }
      }
      if (best < 0) return;
      const job = heads[best]!;
      heads[best] = gens[best]!.next().value ?? undefined;
      const pool = finalPlan.pools[job.pool]!;
      const seq = jobSeq[pool.cluster]! + 1 + (refs.next() < 0.3 ? refs.int(6) : 0); // other, unbilled jobs in between
      jobSeq[pool.cluster] = seq;
      const record: DemoUsage['record'] = {
        record_id: nextId(),
        accelerator: pool.model,
        count: job.count,
        started_at: iso(job.s),
        ended_at: iso(job.e),
        amount_fen: job.amount_fen,
        job_ref: `slurm:${seq}`,
        workload: job.training ? 'training' : 'inference',
      };
      if (job.energy_wh >= 0) record.energy_wh = job.energy_wh;
      yield { provider_key: pool.provider_key, cluster_key: pool.cluster_key, enterprise_key: enterpriseKeys[job.ent]!, record };
    }
  }

  return { providers: built.providers, enterprises: built.enterprises, clusters: built.clusters, usage };
}
