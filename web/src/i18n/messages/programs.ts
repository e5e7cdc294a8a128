// Strings of the programs page(s): [zh-CN, en].
export const programs = {
  'programs.title': ['补贴项目', 'Programs'],
} as const;
