// Strings of the overview page(s): [zh-CN, en].
export const overview = {
  'overview.title': ['总览', 'Overview'],
} as const;
