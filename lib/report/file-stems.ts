/** Safe, unique file-name stems for method names ("ZSCL (order II)" -> "zscl-order-ii"). */

const MAX_STEM = 60;
// Device names Windows refuses as file names, whatever the extension.
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/;

/** A portable stem of `name`: ASCII letters, digits, `.`, `_`, `-`, lower case, never empty. Sync. */
export function fileStem(name: string): string {
  const ascii = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  const stem = ascii
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, MAX_STEM)
    .replace(/[-.]+$/, '');
  if (stem === '') return 'method';
  return RESERVED.test(stem) ? `method-${stem}` : stem;
}

/**
 * Stems for `names` in order, made unique by `-2`, `-3`, ... suffixes (names that differ only in
 * case or punctuation would otherwise overwrite each other's files). Sync.
 */
export function uniqueFileStems(names: string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    const base = fileStem(name);
    let stem = base;
    for (let k = 2; used.has(stem); k++) stem = `${base}-${k}`;
    used.add(stem);
    return stem;
  });
}
