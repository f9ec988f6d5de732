/**
 * `(values) => ({ "id": values[0], ... })` for these column names, made once per shape: both
 * drivers build row objects key by key, which costs more than reading the values. A later
 * duplicate name wins, as it does when a driver builds the object.
 */
export function rowBuilder(names: readonly string[]): (values: unknown[]) => unknown {
  const fields = names.map((name, i) => `${JSON.stringify(name)}: values[${i}]`).join(", ");
  // The names are a statement's own column names, quoted as JSON string literals.
  return new Function("values", `return { ${fields} };`) as (values: unknown[]) => unknown;
}

/** Builders by column list, for drivers that tell the columns with each result. */
export class RowBuilders {
  private readonly builders = new Map<string, (values: unknown[]) => unknown>();

  for(names: readonly string[]): (values: unknown[]) => unknown {
    const key = names.join("\u0000");
    let builder = this.builders.get(key);
    if (!builder) {
      if (this.builders.size >= 1_000) this.builders.clear();
      builder = rowBuilder(names);
      this.builders.set(key, builder);
    }
    return builder;
  }
}
