import { parseXml, type XmlElement } from '../xml/parse-xml.js';
import type {
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
} from './ir.js';
import {
  fitsPrimitive,
  integerRange,
  isPrimitiveType,
  PRIMITIVES,
  parseIntegerLiteral,
} from './primitives.js';
import { SchemaError } from './schema-error.js';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const U16_MAX = 65_535;
const LENGTH_MAX = 65_535;
const MEMBERS_MAX = 4_096;

/** Parses and validates an SBE 1.0 XML schema and computes its layout. Throws `SchemaError`. */
export function parseSchema(xmlText: string, fileName: string): Schema {
  return new SchemaParser(fileName).parse(parseXml(xmlText, fileName));
}

interface Declared {
  readonly el: XmlElement;
}

class SchemaParser {
  private readonly declared = new Map<string, Declared>();
  private readonly resolved = new Map<string, TypeDef>();
  private readonly resolving = new Set<string>();
  private readonly typeOrder: TypeDef[] = [];
  private schemaVersion = 0;

  constructor(private readonly file: string) {}

  private fail(line: number, problem: string): never {
    throw new SchemaError(this.file, line, problem);
  }

  parse(root: XmlElement): Schema {
    if (root.name !== 'messageSchema')
      this.fail(root.line, `root element is <${root.name}>, expected <messageSchema>`);
    const pkg = this.requiredAttr(root, 'package', 'messageSchema');
    const id = this.intAttr(root, 'id', undefined, 0, U16_MAX, 'messageSchema');
    this.schemaVersion = this.intAttr(root, 'version', 0, 0, U16_MAX, 'messageSchema');
    const byteOrderText = root.attributes['byteOrder'] ?? 'littleEndian';
    if (byteOrderText !== 'littleEndian' && byteOrderText !== 'bigEndian') {
      this.fail(root.line, `byteOrder '${byteOrderText}' is neither 'littleEndian' nor 'bigEndian'`);
    }
    const byteOrder: ByteOrder = byteOrderText;
    const headerTypeName = root.attributes['headerType'] ?? 'messageHeader';

    const typesElements: XmlElement[] = [];
    const messageElements: XmlElement[] = [];
    for (const child of root.children) {
      if (child.name === 'types') typesElements.push(child);
      else if (child.name === 'message') messageElements.push(child);
      else this.fail(child.line, `unexpected element <${child.name}> in <messageSchema>`);
    }
    for (const types of typesElements) {
      for (const el of types.children) this.declare(el, 'types');
    }
    for (const name of this.declared.keys()) this.resolveName(name, 0, '');

    const header = this.headerLayout(headerTypeName, root.line, id);

    const messages: MessageDef[] = [];
    const messageNames = new Map<string, number>();
    const messageIds = new Map<number, number>();
    for (const el of messageElements) {
      const message = this.parseMessage(el, header);
      const prevName = messageNames.get(message.name);
      if (prevName !== undefined)
        this.fail(el.line, `duplicate message name '${message.name}' (first on line ${prevName})`);
      const prevId = messageIds.get(message.id);
      if (prevId !== undefined)
        this.fail(el.line, `duplicate message id ${message.id} (first on line ${prevId})`);
      messageNames.set(message.name, el.line);
      messageIds.set(message.id, el.line);
      messages.push(message);
    }

    return {
      fileName: this.file,
      package: pkg,
      id,
      version: this.schemaVersion,
      semanticVersion: root.attributes['semanticVersion'],
      byteOrder,
      description: root.attributes['description'],
      header,
      types: this.typeOrder,
      messages,
    };
  }

  // ---------------------------------------------------------------- types

  private declare(el: XmlElement, where: string): void {
    if (el.name !== 'type' && el.name !== 'composite' && el.name !== 'enum' && el.name !== 'set') {
      this.fail(el.line, `unexpected element <${el.name}> in <${where}>`);
    }
    const name = this.name(el, el.name);
    const prev = this.declared.get(name);
    if (prev !== undefined)
      this.fail(el.line, `duplicate type name '${name}' (first on line ${prev.el.line})`);
    if (isPrimitiveType(name)) this.fail(el.line, `type name '${name}' shadows a primitive type`);
    this.declared.set(name, { el });
    if (el.name === 'composite') {
      // Enums, sets and composites declared inside a composite are named types too.
      for (const child of el.children) {
        if (child.name === 'enum' || child.name === 'set' || child.name === 'composite')
          this.declare(child, 'composite');
      }
    }
  }

  /** Resolves a type by name: a declared type, or a primitive type used directly. */
  private resolveName(name: string, line: number, context: string): TypeDef {
    const done = this.resolved.get(name);
    if (done !== undefined) return done;
    const decl = this.declared.get(name);
    if (decl === undefined) {
      if (isPrimitiveType(name)) return this.implicitPrimitive(name, line);
      this.fail(line, `${context} references unknown type '${name}'`);
    }
    if (this.resolving.has(name)) this.fail(decl.el.line, `type '${name}' refers to itself`);
    this.resolving.add(name);
    let type: TypeDef;
    switch (decl.el.name) {
      case 'type':
        type = this.parseEncodedType(decl.el, false);
        break;
      case 'enum':
        type = this.parseEnum(decl.el);
        break;
      case 'set':
        type = this.parseSet(decl.el);
        break;
      default:
        type = this.parseComposite(decl.el);
    }
    this.resolving.delete(name);
    this.resolved.set(name, type);
    this.typeOrder.push(type);
    return type;
  }

  private implicitPrimitive(primitiveType: PrimitiveType, line: number): EncodedType {
    const p = PRIMITIVES[primitiveType];
    return {
      kind: 'type',
      name: primitiveType,
      primitiveType,
      length: 1,
      presence: 'required',
      nullValue: p.nullValue,
      minValue: p.minValue,
      maxValue: p.maxValue,
      characterEncoding: primitiveType === 'char' ? 'latin1' : undefined,
      constValue: undefined,
      valueRef: undefined,
      semanticType: undefined,
      description: undefined,
      sinceVersion: 0,
      encodedLength: p.size,
      line,
    };
  }

  private parseEncodedType(el: XmlElement, inComposite: boolean): EncodedType {
    const name = this.name(el, 'type');
    const primitiveName = this.requiredAttr(el, 'primitiveType', `type '${name}'`);
    if (!isPrimitiveType(primitiveName)) {
      this.fail(el.line, `type '${name}' has unknown primitiveType '${primitiveName}'`);
    }
    const primitiveType: PrimitiveType = primitiveName;
    const p = PRIMITIVES[primitiveType];
    const presence = this.presence(el, `type '${name}'`);
    const sinceVersion = this.sinceVersion(el, `type '${name}'`);
    const characterEncoding = this.characterEncoding(el, name, primitiveType);
    let constValue: string | undefined;
    const valueRef = el.attributes['valueRef'];
    if (presence === 'constant') {
      constValue = el.text.trim();
      if (constValue === '' && valueRef === undefined)
        this.fail(el.line, `constant type '${name}' has no value`);
      if (primitiveType !== 'char' && valueRef === undefined && !fitsPrimitive(primitiveType, constValue)) {
        this.fail(el.line, `constant value '${constValue}' of type '${name}' does not fit ${primitiveType}`);
      }
    }
    const lengthDefault = presence === 'constant' && primitiveType === 'char' ? (constValue?.length ?? 1) : 1;
    const length = this.intAttr(el, 'length', lengthDefault, 0, LENGTH_MAX, `type '${name}'`);
    if (length === 0 && !inComposite)
      this.fail(el.line, `type '${name}' has length 0 outside a var-data composite`);
    if (
      presence === 'constant' &&
      primitiveType === 'char' &&
      constValue !== undefined &&
      constValue.length > length
    ) {
      this.fail(el.line, `constant value of type '${name}' is longer than its length ${length}`);
    }
    const range = (attr: 'nullValue' | 'minValue' | 'maxValue', fallback: string): string => {
      const text = el.attributes[attr];
      if (text === undefined) return fallback;
      const ok =
        primitiveType === 'char'
          ? text.length === 1 || fitsPrimitive('uint8', text)
          : fitsPrimitive(primitiveType, text);
      if (!ok) this.fail(el.line, `${attr} '${text}' of type '${name}' does not fit ${primitiveType}`);
      return primitiveType === 'char' && text.length === 1 && parseIntegerLiteral(text) === undefined
        ? String(text.charCodeAt(0))
        : text.trim();
    };
    const nullValue = range('nullValue', p.nullValue);
    const minValue = range('minValue', p.minValue);
    const maxValue = range('maxValue', p.maxValue);
    if (p.integer && BigInt(minValue) > BigInt(maxValue)) {
      this.fail(el.line, `minValue ${minValue} of type '${name}' is greater than maxValue ${maxValue}`);
    }
    return {
      kind: 'type',
      name,
      primitiveType,
      length,
      presence,
      nullValue,
      minValue,
      maxValue,
      characterEncoding,
      constValue,
      valueRef,
      semanticType: el.attributes['semanticType'],
      description: el.attributes['description'],
      sinceVersion,
      encodedLength: presence === 'constant' ? 0 : p.size * length,
      line: el.line,
    };
  }

  private characterEncoding(
    el: XmlElement,
    name: string,
    primitiveType: PrimitiveType,
  ): TextEncoding | undefined {
    const text = el.attributes['characterEncoding'];
    if (text === undefined) return primitiveType === 'char' ? 'latin1' : undefined;
    const norm = text.toUpperCase().replace(/[_ ]/g, '-');
    if (norm === 'UTF-8' || norm === 'UTF8') return 'utf8';
    if (['ASCII', 'US-ASCII', 'ISO-8859-1', 'LATIN1', 'LATIN-1', 'ISO8859-1'].includes(norm)) return 'latin1';
    this.fail(
      el.line,
      `type '${name}' has unsupported characterEncoding '${text}' (use UTF-8, ASCII or ISO-8859-1)`,
    );
  }

  /** An enum or set encodingType: a primitive name or a named scalar type. */
  private encodingType(
    el: XmlElement,
    name: string,
    kind: string,
    allowed: readonly PrimitiveType[],
  ): PrimitiveType {
    const text = this.requiredAttr(el, 'encodingType', `${kind} '${name}'`);
    let primitive: PrimitiveType;
    if (isPrimitiveType(text) && !this.declared.has(text)) primitive = text;
    else {
      const t = this.resolveName(text, el.line, `${kind} '${name}'`);
      if (t.kind !== 'type' || t.length !== 1 || t.presence === 'constant') {
        this.fail(el.line, `${kind} '${name}' encodingType '${text}' is not a scalar type`);
      }
      primitive = t.primitiveType;
    }
    if (!allowed.includes(primitive)) {
      this.fail(el.line, `${kind} '${name}' encodingType '${primitive}' is not one of ${allowed.join(', ')}`);
    }
    return primitive;
  }

  private parseEnum(el: XmlElement): EnumType {
    const name = this.name(el, 'enum');
    const encodingType = this.encodingType(el, name, 'enum', [
      'char',
      'uint8',
      'int8',
      'uint16',
      'int16',
      'uint32',
      'int32',
    ]);
    const nullText = PRIMITIVES[encodingType].nullValue;
    const nullValue = Number(nullText);
    const values: EnumValue[] = [];
    const names = new Map<string, number>();
    const numbers = new Map<number, string>();
    for (const child of el.children) {
      if (child.name !== 'validValue')
        this.fail(child.line, `unexpected element <${child.name}> in enum '${name}'`);
      const valueName = this.name(child, 'validValue');
      const text = child.text.trim();
      let value: number;
      if (encodingType === 'char') {
        if (text.length !== 1 || text.charCodeAt(0) > 0xff) {
          this.fail(child.line, `enum '${name}' value '${valueName}' = '${text}' is not a single char`);
        }
        value = text.charCodeAt(0);
      } else {
        if (!fitsPrimitive(encodingType, text)) {
          this.fail(
            child.line,
            `enum '${name}' value '${valueName}' = '${text}' does not fit ${encodingType}`,
          );
        }
        value = Number(parseIntegerLiteral(text));
      }
      if (value === nullValue) {
        this.fail(
          child.line,
          `enum '${name}' value '${valueName}' = '${text}' equals the null value of ${encodingType}`,
        );
      }
      const prevLine = names.get(valueName);
      if (prevLine !== undefined)
        this.fail(child.line, `duplicate value name '${valueName}' in enum '${name}'`);
      const prevName = numbers.get(value);
      if (prevName !== undefined) {
        this.fail(child.line, `enum '${name}' value '${valueName}' repeats the value of '${prevName}'`);
      }
      names.set(valueName, child.line);
      numbers.set(value, valueName);
      values.push({
        name: valueName,
        value,
        sinceVersion: this.sinceVersion(child, `value '${valueName}'`),
        description: child.attributes['description'],
        line: child.line,
      });
    }
    if (values.length === 0) this.fail(el.line, `enum '${name}' has no validValue`);
    return {
      kind: 'enum',
      name,
      encodingType,
      values,
      nullValue,
      presence: this.presence(el, `enum '${name}'`),
      description: el.attributes['description'],
      sinceVersion: this.sinceVersion(el, `enum '${name}'`),
      encodedLength: PRIMITIVES[encodingType].size,
      line: el.line,
    };
  }

  private parseSet(el: XmlElement): SetType {
    const name = this.name(el, 'set');
    const encodingType = this.encodingType(el, name, 'set', ['uint8', 'uint16', 'uint32', 'uint64']);
    const bits = PRIMITIVES[encodingType].size * 8;
    const choices: SetChoice[] = [];
    const names = new Set<string>();
    const used = new Map<number, string>();
    for (const child of el.children) {
      if (child.name !== 'choice')
        this.fail(child.line, `unexpected element <${child.name}> in set '${name}'`);
      const choiceName = this.name(child, 'choice');
      const bitText = child.text.trim();
      const bit = parseIntegerLiteral(bitText);
      if (bit === undefined || bit < 0n || bit >= BigInt(bits)) {
        this.fail(
          child.line,
          `set '${name}' choice '${choiceName}' bit '${bitText}' is not in 0..${bits - 1}`,
        );
      }
      if (names.has(choiceName))
        this.fail(child.line, `duplicate choice name '${choiceName}' in set '${name}'`);
      const prev = used.get(Number(bit));
      if (prev !== undefined)
        this.fail(child.line, `set '${name}' choice '${choiceName}' reuses bit ${bit} of '${prev}'`);
      names.add(choiceName);
      used.set(Number(bit), choiceName);
      choices.push({
        name: choiceName,
        bit: Number(bit),
        sinceVersion: this.sinceVersion(child, `choice '${choiceName}'`),
        description: child.attributes['description'],
        line: child.line,
      });
    }
    return {
      kind: 'set',
      name,
      encodingType,
      choices,
      description: el.attributes['description'],
      sinceVersion: this.sinceVersion(el, `set '${name}'`),
      encodedLength: PRIMITIVES[encodingType].size,
      line: el.line,
    };
  }

  private parseComposite(el: XmlElement): CompositeType {
    const name = this.name(el, 'composite');
    const members: CompositeMember[] = [];
    const names = new Map<string, number>();
    let end = 0;
    let previous = '';
    if (el.children.length === 0) this.fail(el.line, `composite '${name}' has no members`);
    if (el.children.length > MEMBERS_MAX)
      this.fail(el.line, `composite '${name}' has more than ${MEMBERS_MAX} members`);
    for (const child of el.children) {
      let memberName: string;
      let type: TypeDef;
      switch (child.name) {
        case 'type':
          type = this.parseEncodedType(child, true);
          memberName = type.name;
          break;
        case 'ref': {
          memberName = this.name(child, 'ref');
          const target = this.requiredAttr(child, 'type', `ref '${memberName}'`);
          type = this.resolveName(target, child.line, `ref '${memberName}'`);
          break;
        }
        case 'enum':
        case 'set':
        case 'composite':
          // The member of an inline type is named like it, with a lower-case first letter (BoostType -> boostType).
          type = this.resolveName(this.name(child, child.name), child.line, `composite '${name}'`);
          memberName = type.name.charAt(0).toLowerCase() + type.name.slice(1);
          break;
        default:
          this.fail(child.line, `unexpected element <${child.name}> in composite '${name}'`);
      }
      const prevLine = names.get(memberName);
      if (prevLine !== undefined)
        this.fail(child.line, `duplicate member '${memberName}' in composite '${name}'`);
      names.set(memberName, child.line);
      const offset = this.placement(child, memberName, end, previous);
      members.push({
        name: memberName,
        offset,
        type,
        sinceVersion: Math.max(type.sinceVersion, this.sinceVersion(child, `member '${memberName}'`)),
        line: child.line,
      });
      if (type.encodedLength > 0) {
        end = offset + type.encodedLength;
        previous = memberName;
      }
    }
    return {
      kind: 'composite',
      name,
      members,
      description: el.attributes['description'],
      sinceVersion: this.sinceVersion(el, `composite '${name}'`),
      encodedLength: end,
      line: el.line,
    };
  }

  /** The offset of a member or field: explicit `offset` (must not overlap the previous one) or the running end. */
  private placement(el: XmlElement, name: string, end: number, previous: string): number {
    const text = el.attributes['offset'];
    if (text === undefined) return end;
    const offset = this.intAttr(el, 'offset', undefined, 0, LENGTH_MAX, `'${name}'`);
    if (offset < end) {
      this.fail(
        el.line,
        `'${name}' offset ${offset} is smaller than the end ${end} of the previous field '${previous}' (they overlap)`,
      );
    }
    return offset;
  }

  private headerLayout(typeName: string, line: number, schemaId: number): HeaderLayout {
    const type = this.resolved.get(typeName);
    if (type === undefined) this.fail(line, `schema defines no '${typeName}' composite (the message header)`);
    if (type.kind !== 'composite') this.fail(type.line, `message header '${typeName}' is not a composite`);
    const member = (memberName: string): CompositeMember => {
      const m = type.members.find((x) => x.name === memberName);
      if (m === undefined) this.fail(type.line, `message header '${typeName}' has no '${memberName}' member`);
      if (m.type.kind !== 'type' || m.type.length !== 1 || !isUnsignedSmall(m.type.primitiveType)) {
        this.fail(m.line, `message header member '${memberName}' must be uint8, uint16 or uint32`);
      }
      return m;
    };
    const header = {
      type,
      blockLength: member('blockLength'),
      templateId: member('templateId'),
      schemaId: member('schemaId'),
      version: member('version'),
    };
    if (!fitsMember(header.schemaId, schemaId))
      this.fail(line, `schema id ${schemaId} does not fit the header's schemaId`);
    return header;
  }

  // ------------------------------------------------------------- messages

  private parseMessage(el: XmlElement, header: HeaderLayout): MessageDef {
    const name = this.name(el, 'message');
    const id = this.intAttr(el, 'id', undefined, 0, U16_MAX, `message '${name}'`);
    if (!fitsMember(header.templateId, id))
      this.fail(el.line, `message '${name}' id ${id} does not fit the header's templateId`);
    const ids = new Map<number, string>();
    const block = this.parseBlock(el, `message '${name}'`, name, ids, 0);
    if (!fitsMember(header.blockLength, block.blockLength)) {
      this.fail(
        el.line,
        `message '${name}' blockLength ${block.blockLength} does not fit the header's blockLength`,
      );
    }
    return { ...block, id, semanticType: el.attributes['semanticType'] };
  }

  private parseBlock(
    el: XmlElement,
    what: string,
    name: string,
    ids: Map<number, string>,
    parentSince: number,
  ): BlockDef {
    const fields: FieldDef[] = [];
    const groups: GroupDef[] = [];
    const data: DataDef[] = [];
    const names = new Map<string, number>();
    const sinceVersion = Math.max(parentSince, this.sinceVersion(el, what));
    let end = 0;
    let previous = '';
    let stage = 0; // 0 fields, 1 groups, 2 data: the order SBE requires.
    if (el.children.length > MEMBERS_MAX) this.fail(el.line, `${what} has more than ${MEMBERS_MAX} members`);

    for (const child of el.children) {
      const childName = this.name(child, child.name);
      const prevLine = names.get(childName);
      if (prevLine !== undefined)
        this.fail(child.line, `duplicate name '${childName}' in ${what} (first on line ${prevLine})`);
      names.set(childName, child.line);
      const id = this.intAttr(child, 'id', undefined, 0, U16_MAX, `'${childName}'`);
      const prevId = ids.get(id);
      if (prevId !== undefined)
        this.fail(child.line, `duplicate id ${id} of '${childName}' (already used by '${prevId}')`);
      ids.set(id, childName);
      const childSince = Math.max(sinceVersion, this.sinceVersion(child, `'${childName}'`));

      if (child.name === 'field') {
        if (stage > 0)
          this.fail(child.line, `field '${childName}' comes after a group or data field in ${what}`);
        const field = this.parseField(child, childName, id, end, previous, childSince);
        fields.push(field);
        if (field.encodedLength > 0) {
          end = field.offset + field.encodedLength;
          previous = childName;
        }
      } else if (child.name === 'group') {
        if (stage > 1) this.fail(child.line, `group '${childName}' comes after a data field in ${what}`);
        stage = 1;
        const dimension = this.dimension(child, childName);
        const block = this.parseBlock(child, `group '${childName}'`, childName, ids, childSince);
        if (block.blockLength > maxOf(dimension.blockLengthType)) {
          this.fail(
            child.line,
            `group '${childName}' blockLength ${block.blockLength} does not fit its dimension`,
          );
        }
        groups.push({ ...block, id, dimension });
      } else if (child.name === 'data') {
        stage = 2;
        data.push(this.parseData(child, childName, id, childSince));
      } else {
        this.fail(child.line, `unexpected element <${child.name}> in ${what}`);
      }
    }

    let blockLength = end;
    const blockText = el.attributes['blockLength'];
    if (blockText !== undefined) {
      blockLength = this.intAttr(el, 'blockLength', undefined, 0, LENGTH_MAX, what);
      if (blockLength < end)
        this.fail(el.line, `${what} blockLength ${blockLength} is smaller than its fields' end ${end}`);
    }
    return {
      name,
      blockLength,
      fields,
      groups,
      data,
      sinceVersion,
      description: el.attributes['description'],
      line: el.line,
    };
  }

  private parseField(
    el: XmlElement,
    name: string,
    id: number,
    end: number,
    previous: string,
    sinceVersion: number,
  ): FieldDef {
    const typeName = this.requiredAttr(el, 'type', `field '${name}'`);
    const type = this.resolveName(typeName, el.line, `field '${name}'`);
    if (
      type.kind === 'composite' &&
      type.members.some((m) => m.type.kind === 'type' && m.type.length === 0)
    ) {
      this.fail(el.line, `field '${name}' uses var-data composite '${typeName}': declare it as <data>`);
    }
    let presence = this.presence(el, `field '${name}'`);
    if ((type.kind === 'type' || type.kind === 'enum') && type.presence === 'constant') presence = 'constant';
    if (el.attributes['presence'] === undefined && type.kind === 'type' && type.presence === 'optional') {
      presence = 'optional';
    }
    let constant: FieldDef['constant'];
    if (presence === 'constant') {
      const valueRef = el.attributes['valueRef'] ?? (type.kind === 'type' ? type.valueRef : undefined);
      if (valueRef !== undefined) {
        constant = this.valueRef(el, name, valueRef);
        if (type.kind === 'enum' && constant.enumType !== type) {
          this.fail(
            el.line,
            `field '${name}' valueRef '${valueRef}' is not a value of its type '${type.name}'`,
          );
        }
      } else if (type.kind === 'type' && type.constValue !== undefined) {
        constant = { text: type.constValue };
      } else if (type.kind === 'type' && el.text.trim() !== '') {
        constant = { text: el.text.trim() };
      } else {
        this.fail(el.line, `constant field '${name}' has no value (give valueRef or a constant type)`);
      }
      if (type.kind !== 'type' && type.kind !== 'enum') {
        this.fail(el.line, `constant field '${name}' must be of a simple type or an enum`);
      }
    }
    const encodedLength = presence === 'constant' ? 0 : type.encodedLength;
    const offset = presence === 'constant' ? end : this.placement(el, name, end, previous);
    return {
      name,
      id,
      type,
      offset,
      presence,
      // A field is no older than its type.
      sinceVersion: Math.max(sinceVersion, type.sinceVersion),
      constant,
      description: el.attributes['description'],
      line: el.line,
      encodedLength,
    };
  }

  private valueRef(el: XmlElement, name: string, valueRef: string): { enumType: EnumType; value: EnumValue } {
    const dot = valueRef.indexOf('.');
    if (dot < 0) this.fail(el.line, `field '${name}' valueRef '${valueRef}' is not of the form Enum.Value`);
    const enumName = valueRef.slice(0, dot);
    const enumType = this.resolveName(enumName, el.line, `field '${name}' valueRef`);
    if (enumType.kind !== 'enum')
      this.fail(el.line, `field '${name}' valueRef '${valueRef}': '${enumName}' is not an enum`);
    const value = enumType.values.find((v) => v.name === valueRef.slice(dot + 1));
    if (value === undefined)
      this.fail(el.line, `field '${name}' valueRef '${valueRef}' names no value of '${enumName}'`);
    return { enumType, value };
  }

  private dimension(el: XmlElement, name: string): Dimension {
    const typeName = el.attributes['dimensionType'];
    let type: TypeDef;
    if (typeName === undefined) {
      const fallback = this.resolved.get('groupSizeEncoding');
      if (fallback === undefined) {
        this.fail(
          el.line,
          `group '${name}' has no dimensionType and the schema defines no 'groupSizeEncoding'`,
        );
      }
      type = fallback;
    } else {
      type = this.resolveName(typeName, el.line, `group '${name}' dimensionType`);
    }
    if (type.kind !== 'composite')
      this.fail(el.line, `group '${name}' dimensionType '${type.name}' is not a composite`);
    const member = (memberName: string): CompositeMember & { type: EncodedType } => {
      const m = type.members.find((x) => x.name === memberName);
      if (m === undefined)
        this.fail(el.line, `group '${name}' dimension '${type.name}' has no '${memberName}' member`);
      const t = m.type;
      if (
        t.kind !== 'type' ||
        t.length !== 1 ||
        t.presence === 'constant' ||
        !isUnsignedSmall(t.primitiveType)
      ) {
        this.fail(
          m.line,
          `dimension member '${memberName}' of '${type.name}' must be uint8, uint16 or uint32`,
        );
      }
      return { ...m, type: t };
    };
    const blockLength = member('blockLength');
    const numInGroup = member('numInGroup');
    const numMax = Math.min(Number(BigInt(numInGroup.type.maxValue)), maxOf(numInGroup.type.primitiveType));
    return {
      type,
      blockLengthType: blockLength.type.primitiveType,
      blockLengthOffset: blockLength.offset,
      numInGroupType: numInGroup.type.primitiveType,
      numInGroupOffset: numInGroup.offset,
      numInGroupMax: numMax,
    };
  }

  private parseData(el: XmlElement, name: string, id: number, sinceVersion: number): DataDef {
    const typeName = this.requiredAttr(el, 'type', `data '${name}'`);
    const type = this.resolveName(typeName, el.line, `data '${name}'`);
    if (type.kind !== 'composite') this.fail(el.line, `data '${name}' type '${typeName}' is not a composite`);
    const length = type.members.find((m) => m.name === 'length');
    const varData = type.members.find((m) => m.name === 'varData');
    if (length === undefined || varData === undefined) {
      this.fail(el.line, `data '${name}' type '${typeName}' needs 'length' and 'varData' members`);
    }
    const lt = length.type;
    if (lt.kind !== 'type' || lt.length !== 1 || !isUnsignedSmall(lt.primitiveType)) {
      this.fail(length.line, `'length' of var-data composite '${typeName}' must be uint8, uint16 or uint32`);
    }
    const vt = varData.type;
    if (
      vt.kind !== 'type' ||
      vt.length !== 0 ||
      (vt.primitiveType !== 'uint8' && vt.primitiveType !== 'char')
    ) {
      this.fail(
        varData.line,
        `'varData' of var-data composite '${typeName}' must be uint8 or char with length 0`,
      );
    }
    if (varData.offset < length.offset + lt.encodedLength) {
      this.fail(varData.line, `'varData' of var-data composite '${typeName}' must follow 'length'`);
    }
    const lengthMax = Math.min(Number(BigInt(lt.maxValue)), maxOf(lt.primitiveType));
    return {
      name,
      id,
      type,
      lengthType: lt.primitiveType,
      lengthOffset: length.offset,
      dataOffset: varData.offset,
      lengthMax,
      characterEncoding:
        vt.primitiveType === 'char' ? (vt.characterEncoding ?? 'latin1') : vt.characterEncoding,
      sinceVersion: Math.max(sinceVersion, type.sinceVersion),
      description: el.attributes['description'],
      line: el.line,
    };
  }

  // ----------------------------------------------------------- attributes

  private name(el: XmlElement, what: string): string {
    const name = this.requiredAttr(el, 'name', `<${what}>`);
    if (!IDENTIFIER.test(name)) this.fail(el.line, `${what} name '${name}' is not a valid identifier`);
    if (name.startsWith('_') || name.startsWith('sbe')) {
      this.fail(el.line, `${what} name '${name}' uses a prefix reserved for generated code ('_' or 'sbe')`);
    }
    return name;
  }

  private requiredAttr(el: XmlElement, attr: string, what: string): string {
    const value = el.attributes[attr];
    if (value === undefined || value.trim() === '') this.fail(el.line, `${what} has no '${attr}' attribute`);
    return value.trim();
  }

  private intAttr(
    el: XmlElement,
    attr: string,
    fallback: number | undefined,
    min: number,
    max: number,
    what: string,
  ): number {
    const text = el.attributes[attr];
    if (text === undefined) {
      if (fallback === undefined) this.fail(el.line, `${what} has no '${attr}' attribute`);
      return fallback;
    }
    if (!/^\d+$/.test(text.trim()))
      this.fail(el.line, `${what} ${attr} '${text}' is not a non-negative integer`);
    const value = Number(text.trim());
    if (value < min || value > max) this.fail(el.line, `${what} ${attr} ${value} is not in ${min}..${max}`);
    return value;
  }

  private presence(el: XmlElement, what: string): Presence {
    const text = el.attributes['presence'] ?? 'required';
    if (text !== 'required' && text !== 'optional' && text !== 'constant') {
      this.fail(el.line, `${what} presence '${text}' is not required, optional or constant`);
    }
    return text;
  }

  private sinceVersion(el: XmlElement, what: string): number {
    const v = this.intAttr(el, 'sinceVersion', 0, 0, U16_MAX, what);
    if (v > this.schemaVersion) {
      this.fail(
        el.line,
        `${what} sinceVersion ${v} is greater than the schema version ${this.schemaVersion}`,
      );
    }
    return v;
  }
}

function isUnsignedSmall(t: PrimitiveType): boolean {
  return t === 'uint8' || t === 'uint16' || t === 'uint32';
}

function maxOf(t: PrimitiveType): number {
  return Number(integerRange(t).max);
}

function fitsMember(member: CompositeMember, value: number): boolean {
  return member.type.kind === 'type' && BigInt(value) <= integerRange(member.type.primitiveType).max;
}
