// The intermediate representation: a parsed, validated schema with its layout computed.
// Every offset is in bytes from the start of the enclosing block (message, group or composite).

export type PrimitiveType =
  | 'char'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float'
  | 'double';

export type Presence = 'required' | 'optional' | 'constant';
export type ByteOrder = 'littleEndian' | 'bigEndian';
/** How text is stored: one byte per character (ASCII / Latin-1) or UTF-8. */
export type TextEncoding = 'latin1' | 'utf8';

export interface EncodedType {
  readonly kind: 'type';
  readonly name: string;
  readonly primitiveType: PrimitiveType;
  /** Number of elements; 1 for a scalar. 0 only for the varData member of a var-data composite. */
  readonly length: number;
  readonly presence: Presence;
  /** Literal text of the null, min and max values (defaults of the primitive when absent). */
  readonly nullValue: string;
  readonly minValue: string;
  readonly maxValue: string;
  readonly characterEncoding: TextEncoding | undefined;
  /** Text content of a constant type. */
  readonly constValue: string | undefined;
  /** `Enum.Value` of a constant type, if given. */
  readonly valueRef: string | undefined;
  readonly semanticType: string | undefined;
  readonly description: string | undefined;
  readonly sinceVersion: number;
  /** Bytes taken in a block: 0 for constants. */
  readonly encodedLength: number;
  readonly line: number;
}

export interface EnumValue {
  readonly name: string;
  /** Numeric value (the character code for a `char` enum). */
  readonly value: number;
  readonly sinceVersion: number;
  readonly description: string | undefined;
  readonly line: number;
}

export interface EnumType {
  readonly kind: 'enum';
  readonly name: string;
  readonly encodingType: PrimitiveType;
  readonly values: readonly EnumValue[];
  readonly nullValue: number;
  readonly presence: Presence;
  readonly description: string | undefined;
  readonly sinceVersion: number;
  readonly encodedLength: number;
  readonly line: number;
}

export interface SetChoice {
  readonly name: string;
  readonly bit: number;
  readonly sinceVersion: number;
  readonly description: string | undefined;
  readonly line: number;
}

export interface SetType {
  readonly kind: 'set';
  readonly name: string;
  readonly encodingType: PrimitiveType;
  readonly choices: readonly SetChoice[];
  readonly description: string | undefined;
  readonly sinceVersion: number;
  readonly encodedLength: number;
  readonly line: number;
}

export interface CompositeMember {
  readonly name: string;
  readonly offset: number;
  readonly type: TypeDef;
  readonly sinceVersion: number;
  readonly line: number;
}

export interface CompositeType {
  readonly kind: 'composite';
  readonly name: string;
  readonly members: readonly CompositeMember[];
  readonly description: string | undefined;
  readonly sinceVersion: number;
  readonly encodedLength: number;
  readonly line: number;
}

export type TypeDef = EncodedType | EnumType | SetType | CompositeType;

export interface FieldDef {
  readonly name: string;
  readonly id: number;
  readonly type: TypeDef;
  readonly offset: number;
  readonly presence: Presence;
  readonly sinceVersion: number;
  /** For a constant field: the enum value it names (`valueRef`) or the constant text. */
  readonly constant:
    | { readonly enumType: EnumType; readonly value: EnumValue }
    | { readonly text: string }
    | undefined;
  readonly description: string | undefined;
  readonly line: number;
  /** Bytes taken in the block: 0 for constants. */
  readonly encodedLength: number;
}

export interface DataDef {
  readonly name: string;
  readonly id: number;
  readonly type: CompositeType;
  readonly lengthType: PrimitiveType;
  readonly lengthOffset: number;
  /** Offset of the bytes after the length prefix, i.e. the prefix size. */
  readonly dataOffset: number;
  readonly lengthMax: number;
  readonly characterEncoding: TextEncoding | undefined;
  readonly sinceVersion: number;
  readonly description: string | undefined;
  readonly line: number;
}

export interface Dimension {
  readonly type: CompositeType;
  readonly blockLengthType: PrimitiveType;
  readonly blockLengthOffset: number;
  readonly numInGroupType: PrimitiveType;
  readonly numInGroupOffset: number;
  /** Largest count the numInGroup member can hold (or its maxValue). */
  readonly numInGroupMax: number;
}

export interface BlockDef {
  readonly name: string;
  readonly blockLength: number;
  readonly fields: readonly FieldDef[];
  readonly groups: readonly GroupDef[];
  readonly data: readonly DataDef[];
  readonly sinceVersion: number;
  readonly description: string | undefined;
  readonly line: number;
}

export interface GroupDef extends BlockDef {
  readonly id: number;
  readonly dimension: Dimension;
}

export interface MessageDef extends BlockDef {
  readonly id: number;
  readonly semanticType: string | undefined;
}

export interface HeaderLayout {
  readonly type: CompositeType;
  readonly blockLength: CompositeMember;
  readonly templateId: CompositeMember;
  readonly schemaId: CompositeMember;
  readonly version: CompositeMember;
}

export interface Schema {
  readonly fileName: string;
  readonly package: string;
  readonly id: number;
  readonly version: number;
  readonly semanticVersion: string | undefined;
  readonly byteOrder: ByteOrder;
  readonly description: string | undefined;
  readonly header: HeaderLayout;
  /** Every named type (including those declared inside composites), in declaration order. */
  readonly types: readonly TypeDef[];
  readonly messages: readonly MessageDef[];
}
