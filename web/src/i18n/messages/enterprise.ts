// Strings of the enterprise page(s): [zh-CN, en].
export const enterprise = {
  'enterprise.title': ['我的用量与补贴', 'My usage and subsidies'],
} as const;
