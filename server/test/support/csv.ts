// CSV text split into records by the import's streaming parser, all at once (for tests that read a whole body).
import { CsvParser } from '../../src/calls/import.js';

export function* csvRecords(text: string): Generator<{ line: number; fields: string[] }> {
  const parser = new CsvParser();
  yield* parser.push(text);
  yield* parser.end();
}
