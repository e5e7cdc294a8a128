// Strings of the catalog page(s): [zh-CN, en].
export const catalog = {
  'catalog.title': ['加速卡目录', 'Accelerator catalog'],
} as const;
