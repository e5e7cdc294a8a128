// Strings of the provider page(s): [zh-CN, en].
export const provider = {
  'provider.title': ['集群与上报', 'Clusters and reports'],
} as const;
