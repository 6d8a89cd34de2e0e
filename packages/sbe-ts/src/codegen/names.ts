/** `fuelFigures` -> `FuelFigures`. */
export function cap(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** `BooleanType` -> `booleanType`. */
export function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** A JSDoc block for a description, or nothing. */
export function doc(indent: string, text: string | undefined): string[] {
  if (text === undefined || text.trim() === '') return [];
  const clean = text.trim().replace(/\*\//g, '* /').replace(/\s+/g, ' ');
  return [`${indent}/** ${clean} */`];
}
