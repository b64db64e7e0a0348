import type { CompiledPolicy } from '../config/policy.js'

/**
 * Why a request was refused and the one change that would let it through, in the words every
 * surface uses: the debug log, explain() and the inspector. `label` names the policy
 * ("route PUT /items/:id", "registration at /admin").
 */
export interface Refusal { reason: string, fix: string }

export function originRefused (policy: CompiledPolicy, origin: string): Refusal {
  const near = policy.matcher.nearMiss(origin)
  if (near !== null) {
    return { reason: `origin '${origin}' is not allowed by ${policy.label}: ${near.why}`, fix: `add '${near.add}' to origin of ${policy.label} ${near.so}` }
  }
  return {
    reason: `origin '${origin}' is not allowed by ${policy.label}`,
    fix: policy.matcher.fn !== null
      ? `the origin function of ${policy.label} answered no (or failed: see the error log); make it return true for '${origin}' if this page should be allowed`
      : `if this page should be allowed, add '${origin}' to origin of ${policy.label}; otherwise this refusal is what the policy intends`
  }
}

export function methodRefused (policy: CompiledPolicy, method: string): Refusal {
  return { reason: `method ${method} is not in methods of ${policy.label}`, fix: `add '${method}' to methods of ${policy.label}` }
}

export function headerRefused (policy: CompiledPolicy, name: string): Refusal {
  return { reason: `header '${name}' is not in allowedHeaders of ${policy.label}`, fix: `add '${name}' to allowedHeaders of ${policy.label}` }
}

export function privateNetworkRefused (policy: CompiledPolicy): Refusal {
  return { reason: `private network access is not allowed by ${policy.label}`, fix: `set privateNetwork: true in the policy of ${policy.label}` }
}

export function requestHeadersTooLong (length: number, max: number): Refusal {
  return {
    reason: `Access-Control-Request-Headers is ${length} characters long, more than ${max}`,
    fix: 'send fewer request headers: the browser lists every header the page sets that is not safelisted'
  }
}

export function noRoute (method: string, url: string, methods: string[]): Refusal {
  return {
    reason: `no route ${method} ${url} (${methods.length === 0 ? 'no route on this path' : `methods on this path: ${methods.join(', ')}`})`,
    fix: `declare a route ${method} ${url}, or call the path with one of its methods`
  }
}

export function corsOff (method: string, url: string): Refusal {
  return {
    reason: `CORS is off for route ${method} ${url}`,
    fix: `route ${method} ${url} has cors: false; give it a policy instead if pages on other origins should read it`
  }
}

/** A credentialed fetch to a policy that answers '*'. */
export function credentialsWithWildcard (policy: CompiledPolicy): Refusal {
  return {
    reason: `the page sends credentials, and ${policy.label} answers Access-Control-Allow-Origin '*', which browsers refuse with credentials`,
    fix: `fetch without credentials, or give ${policy.label} an origin list and credentials: true`
  }
}

/** A credentialed fetch to a policy without credentials. */
export function credentialsOff (policy: CompiledPolicy): Refusal {
  return {
    reason: `the page sends credentials, and ${policy.label} does not allow them (no Access-Control-Allow-Credentials: true)`,
    fix: `set credentials: true in the policy of ${policy.label}, or fetch without credentials`
  }
}
