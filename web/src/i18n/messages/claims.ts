// Strings of the claims page(s): [zh-CN, en].
export const claims = {
  'claims.title': ['补贴申领', 'Claims'],
} as const;
