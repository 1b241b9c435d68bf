/**
 * Delimited text (RFC 4180 CSV, or TSV): quoted fields with doubled quotes, delimiters and line
 * breaks inside quotes, CRLF or LF line ends, a leading byte-order mark dropped.
 */
import { ZsclError, describeValue } from '../errors';

/**
 * The rows of `text` as arrays of fields, split on `delimiter` (default: {@link detectDelimiter}
 * of the text). Blank lines are skipped. Sync.
 * @throws ZsclError E_FORMAT naming `source` and the line of a quote that is never closed; E_ARG
 *   for a delimiter that is not one character other than a quote or a line break.
 */
export function parseDelimited(text: string, source: string, delimiter: string = detectDelimiter(text)): string[][] {
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || '"\r\n'.includes(delimiter))
    throw new ZsclError(
      `parseDelimited: expected a one-character delimiter other than a quote or a line break but received ${describeValue(delimiter)}`,
      'E_ARG',
    );
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

/** The separators {@link detectDelimiter} considers, in the order that breaks ties. */
const CANDIDATES = ['\t', ',', ';', '|'] as const;

/**
 * The field separator of `text`, judged from its content (never the file name): the candidate
 * (tab, comma, semicolon, pipe) that splits the header into the most columns while every one of
 * the first rows has that many fields; ties go to the earlier candidate. A tab-separated captions
 * file whose titles contain commas is found to be tab-separated. Text with a single column gives
 * ','. Sync; pure.
 */
export function detectDelimiter(text: string): string {
  const sample = firstLines(text, 20);
  let best: { delimiter: string; columns: number; consistent: boolean } = { delimiter: ',', columns: 1, consistent: true };
  for (const delimiter of CANDIDATES) {
    let rows: string[][];
    try {
      rows = parseDelimited(sample, '<sample>', delimiter);
    } catch {
      continue; // a quote the cut-off sample leaves open: judge the others
    }
    const columns = rows[0]?.length ?? 1;
    if (columns < 2) continue;
    const consistent = rows.every((row) => row.length === columns);
    // A consistent split beats an inconsistent one; then more columns win.
    if ((consistent && !best.consistent) || (consistent === best.consistent && columns > best.columns)) best = { delimiter, columns, consistent };
  }
  return best.delimiter;
}

/** The first `n` lines of `text` (a cut inside a quoted field may leave the sample unparsable). */
function firstLines(text: string, n: number): string {
  let at = 0;
  for (let i = 0; i < n && at >= 0; i++) {
    at = text.indexOf('\n', at);
    if (at >= 0) at++;
  }
  return at < 0 ? text : text.slice(0, at);
}
