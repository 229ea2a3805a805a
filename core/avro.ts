/** The subset of Avro schema JSON the catalogue uses (Avro 1.11 specification). */
export type AvroPrimitive = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

export interface AvroField {
  name: string;
  type: AvroType;
  doc?: string;
  default?: unknown;
}

export interface AvroRecord {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  fields: AvroField[];
}

export interface AvroEnum {
  type: 'enum';
  name: string;
  namespace?: string;
  doc?: string;
  symbols: string[];
  default?: string;
}

export interface AvroArray {
  type: 'array';
  items: AvroType;
}

export interface AvroMap {
  type: 'map';
  values: AvroType;
}

export interface AvroLogical {
  type: 'long' | 'int';
  logicalType: string;
}

/** A type: a primitive, a reference to a named type by name, a complex type, or a union. */
// Primitive names (AvroPrimitive) and references to named types are both strings.
export type AvroType = string | AvroRecord | AvroEnum | AvroArray | AvroMap | AvroLogical | AvroType[];

export function isNamed(type: AvroType): type is AvroRecord | AvroEnum {
  return typeof type === 'object' && !Array.isArray(type) && (type.type === 'record' || type.type === 'enum');
}

/** The full name of a named type, its namespace inherited from the enclosing one (Avro spec, "Names"). */
export function fullName(type: AvroRecord | AvroEnum, enclosingNamespace: string | undefined): string {
  if (type.name.includes('.')) return type.name;
  const namespace = type.namespace ?? enclosingNamespace;
  return namespace ? `${namespace}.${type.name}` : type.name;
}
