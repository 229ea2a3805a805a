/** An Avro type as people read it: `string`, `null | long (timestamp-micros)`, `array<string>`, a record's name. */
export function avroTypeLabel(type: unknown): string {
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.map(avroTypeLabel).join(' | ');
  if (type && typeof type === 'object') {
    const t = type as { type?: unknown; logicalType?: string; items?: unknown; values?: unknown; name?: string; symbols?: string[] };
    if (t.logicalType) return `${avroTypeLabel(t.type)} (${t.logicalType})`;
    if (t.type === 'array') return `array<${avroTypeLabel(t.items)}>`;
    if (t.type === 'map') return `map<${avroTypeLabel(t.values)}>`;
    if (t.type === 'enum') return `enum ${t.name ?? ''} {${(t.symbols ?? []).join(', ')}}`;
    if (t.type === 'record') return `record ${t.name ?? ''}`;
    return avroTypeLabel(t.type);
  }
  return String(type);
}
