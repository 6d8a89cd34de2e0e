/** An invalid schema: the message names the file, the line and the problem (`car.xml:42: ...`). */
export class SchemaError extends Error {
  readonly file: string;
  readonly line: number;
  readonly problem: string;

  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line}: ${problem}`);
    this.name = 'SchemaError';
    this.file = file;
    this.line = line;
    this.problem = problem;
  }
}
