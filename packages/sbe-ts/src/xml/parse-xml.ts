import { SaxesParser } from 'saxes';
import { SchemaError } from '../schema/schema-error.js';

/** A minimal element tree that keeps the line each element starts on. */
export interface XmlElement {
  /** Local name, without a namespace prefix (`sbe:message` -> `message`). */
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
  readonly line: number;
}

const DEPTH_MAX = 64;

export function parseXml(xmlText: string, fileName: string): XmlElement {
  const parser = new SaxesParser({ fileName });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let tagLine = 1;
  let failure: SchemaError | undefined;

  const lineStarts = [0];
  for (let i = 0; i < xmlText.length; i++) if (xmlText.charCodeAt(i) === 10) lineStarts.push(i + 1);

  parser.on('opentagstart', () => {
    // The parser has read past the tag name (maybe past a newline): find the '<' it started at.
    const lt = xmlText.lastIndexOf('<', Math.max(0, parser.position - 1));
    tagLine = lt < 0 ? parser.line : lineOf(lineStarts, lt);
  });
  parser.on('opentag', (tag) => {
    const attributes: Record<string, string> = {};
    for (const [key, value] of Object.entries(tag.attributes)) {
      attributes[localName(key)] = typeof value === 'string' ? value : value.value;
    }
    const element: XmlElement = {
      name: localName(tag.name),
      attributes,
      children: [],
      text: '',
      line: tagLine,
    };
    const parent = stack[stack.length - 1];
    if (parent === undefined) root = element;
    else parent.children.push(element);
    stack.push(element);
    if (stack.length > DEPTH_MAX)
      throw new SchemaError(fileName, tagLine, `elements nested deeper than ${DEPTH_MAX}`);
  });
  parser.on('text', (text) => {
    const top = stack[stack.length - 1];
    if (top !== undefined) top.text += text;
  });
  parser.on('cdata', (text) => {
    const top = stack[stack.length - 1];
    if (top !== undefined) top.text += text;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.on('error', (err) => {
    // saxes prefixes "file:line:column: "; keep only the problem.
    const problem = err.message.replace(/^[^:]*:\d+:\d+: /, '');
    failure ??= new SchemaError(fileName, parser.line, `malformed XML: ${problem}`);
  });

  parser.write(xmlText).close();
  if (failure !== undefined) throw failure;
  if (root === undefined) throw new SchemaError(fileName, 1, 'no root element');
  return root;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

function lineOf(lineStarts: readonly number[], index: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
