// All strings of the dashboard, one module per page, each entry a [zh-CN, en] pair.
import { common } from './messages/common.js';
import { overview } from './messages/overview.js';
import { programs } from './messages/programs.js';
import { claims } from './messages/claims.js';
import { enterprise } from './messages/enterprise.js';
import { provider } from './messages/provider.js';
import { catalog } from './messages/catalog.js';

export const messages = { ...common, ...overview, ...programs, ...claims, ...enterprise, ...provider, ...catalog } as const;
export type MessageKey = keyof typeof messages;
/** Every module, for the test that no key is defined twice (a later spread would silently win). */
export const message_modules = { common, overview, programs, claims, enterprise, provider, catalog } as const;
