/**
 * Which origin pattern a RegExp behaves like when it admits names anyone can register:
 * /^https:\/\/([a-z0-9-]+\.)+com$/ admits what 'https://*.com' admits. Judged by what the RegExp
 * does, not by its shape: it is asked about made-up names under each candidate suffix, and a
 * suffix under which it admits two unrelated made-up sites is one it leaves open. Whether that
 * suffix is public (Public Suffix List) is asked afterwards, only of what this finds.
 */

// Pairs of made-up labels no site is likely to have: letters only (for `[a-z]+`), letters and
// digits, digits only (for `\d+`); a RegExp that admits both of one pair admits any such name.
const LABELS = [['xkqzvmw', 'qjmwtvz'], ['x7kq2zv', 'q9mw4tj'], ['40718', '93526']]
// Suffixes tried besides those a RegExp spells out: alternations (`\.(com|org)$`) name no single one.
const COMMON = ['com', 'org', 'net', 'io', 'dev', 'app', 'co', 'co.uk', 'github.io', 'vercel.app', 'netlify.app',
  'pages.dev', 'workers.dev', 'web.app', 'firebaseapp.com', 'herokuapp.com', 'azurewebsites.net', 'cloudfront.net', 'onrender.com']

/**
 * The host suffixes a RegExp's source ends with: /…\.github\.io(:\d+)?$/ gives 'github.io' and
 * 'io'. Its last literal run of labels, without a port part, and each shorter run of whole labels.
 */
export function spelledSuffixes (source: string): string[] {
  // A port part last (`(:\d+)?`, `(?::\d{2,5})?`, `:\d+`) is not part of the host.
  const host = source.replace(/(?:\((?:\?:)?:[^()]*\)\??|:\\d(?:\+|\{[\d,]+\}))?\$$/, '')
  const run = /(?:[a-z0-9-]|\\\.)+$/i.exec(host)
  if (run === null) return []
  const labels = run[0].replaceAll('\\.', '.').toLowerCase().split('.').filter((l) => l !== '')
  return labels.map((_, i) => labels.slice(i).join('.'))
}

/**
 * The patterns (`'https://*.com'`) whose made-up sites the RegExp admits: two unrelated ones
 * under one suffix, one label deep or two (`www.x7kq2zv.com`), with or without a port.
 */
export function openSuffixes (re: RegExp): string[] {
  const probe = new RegExp(re.source, re.flags.replace(/[gy]/g, ''))
  const found: string[] = []
  for (const suffix of new Set([...spelledSuffixes(re.source), ...COMMON])) {
    for (const scheme of ['https', 'http']) {
      const admits = (deep: string, port: string): boolean =>
        LABELS.some((pair) => pair.every((label) => probe.test(`${scheme}://${deep}${label}.${suffix}${port}`)))
      if (['', 'www.'].some((deep) => ['', ':8443'].some((port) => admits(deep, port)))) found.push(`${scheme}://*.${suffix}`)
    }
  }
  return found
}
