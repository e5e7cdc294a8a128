// Who may see what: the scope rules a route applies to its caller after auth.ts has let the role in. Another tenant's
// thing answers 404 (its existence is not told); prices are commercial data.
import type { AppContext } from './context.js';
import { ownsOrganization, type Principal } from './auth.js';
import { ApiError, notFound } from './errors.js';

/**
 * Prices (what an enterprise pays a provider) are commercial data: administrators see everyone's, providers and
 * enterprises their own (their reads are confined to it), auditors none.
 */
export function seesPrices(p: Principal): boolean {
  return p.role !== 'auditor';
}

/** Findings are the office's working material: administrators and auditors see those on a claim's records. */
export function seesFindings(p: Principal): boolean {
  return p.role === 'administrator' || p.role === 'auditor';
}

/** Providers and enterprises are confined to their own records; asking for another's answers 404. */
export function usageScope(
  p: Principal,
  q: { provider_id?: string | undefined; enterprise_id?: string | undefined },
): { provider_id?: string; enterprise_id?: string } {
  const out: { provider_id?: string; enterprise_id?: string } = {};
  if (q.provider_id !== undefined) out.provider_id = q.provider_id;
  if (q.enterprise_id !== undefined) out.enterprise_id = q.enterprise_id;
  if (p.role === 'provider') {
    if (q.provider_id !== undefined && q.provider_id !== p.org_id) throw notFound('provider', q.provider_id);
    out.provider_id = p.org_id;
  }
  if (p.role === 'enterprise') {
    if (q.enterprise_id !== undefined && q.enterprise_id !== p.org_id) throw notFound('enterprise', q.enterprise_id);
    out.enterprise_id = p.org_id;
  }
  return out;
}

/**
 * The beneficiary a read is confined to: providers and enterprises their own (naming another answers 404); the office
 * the one it names, or every one (undefined).
 */
export function beneficiaryScope(p: Principal, named: string | undefined): string | undefined {
  if (p.role === 'enterprise' || p.role === 'provider') {
    if (named !== undefined && named !== p.org_id) throw notFound('beneficiary', named);
    return p.org_id;
  }
  return named;
}

/** Which beneficiary a call acts for: providers and enterprises for themselves; the office names one. */
export function beneficiaryFor(p: Principal, named: string | undefined): string {
  const beneficiary = beneficiaryScope(p, named);
  if (beneficiary === undefined) throw new ApiError('validation_failed', 'beneficiary_id is required', [{ field: 'beneficiary_id', message: 'is required' }]);
  return beneficiary;
}

/** The provider exists and the caller may act for it; another tenant's provider is a 404. */
export async function visibleProvider(ctx: Pick<AppContext, 'store'>, p: Principal, provider_id: string): Promise<void> {
  const org = await ctx.store.organizations.get(provider_id);
  if (!org || org.kind !== 'provider' || !ownsOrganization(p, org.id)) throw notFound('provider', provider_id);
}
