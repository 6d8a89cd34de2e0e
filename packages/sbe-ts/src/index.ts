export { type CliIo, runCli, USAGE } from './cli/run-cli.js';
export { type GenerateOptions, generate } from './codegen/generate.js';
export { diffGenerated, generateFile, generateFromFile, writeGenerated } from './fs/generate-from-file.js';
export type {
  BlockDef,
  ByteOrder,
  CompositeMember,
  CompositeType,
  DataDef,
  Dimension,
  EncodedType,
  EnumType,
  EnumValue,
  FieldDef,
  GroupDef,
  HeaderLayout,
  MessageDef,
  Presence,
  PrimitiveType,
  Schema,
  SetChoice,
  SetType,
  TextEncoding,
  TypeDef,
} from './schema/ir.js';
export { parseSchema } from './schema/parse-schema.js';
export { PRIMITIVES, type PrimitiveInfo } from './schema/primitives.js';
export { SchemaError } from './schema/schema-error.js';

export const PACKAGE_NAME = '@venue/sbe-ts';
