/**
 * Delimited text (RFC 4180 CSV, or TSV): quoted fields with doubled quotes, delimiters and line
 * breaks inside quotes, CRLF or LF line ends, a leading byte-order mark dropped.
 */
import { ZsclError } from '../errors';

/**
 * The rows of `text` as arrays of fields. Blank lines are skipped. Sync.
 * @throws ZsclError E_FORMAT naming `source` and the line of a quote that is never closed.
 */
export function parseDelimited(text: string, source: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let quoteLine = 0;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRow = () => {
    row.push(field);
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
    field = '';
  };
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"' && field === '') {
      quoted = true;
      quoteLine = line;
    } else if (ch === delimiter) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
    } else field += ch;
  }
  if (quoted) throw new ZsclError(`${source}: a quoted field opened on line ${quoteLine} is never closed`, 'E_FORMAT');
  if (field !== '' || row.length > 0) endRow();
  return rows;
}
