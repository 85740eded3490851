// The category tree as the pickers show it: depth-first, each entry with its depth.
import type { Category } from '../../lib/types';

export interface FlatCategory { c: Category; depth: number }

export function flattenCategories(cats: Category[] | undefined, depth = 0): FlatCategory[] {
  return (cats ?? []).flatMap((c) => [{ c, depth }, ...flattenCategories(c.children, depth + 1)]);
}

/** A category's name indented by its depth, for <option>s. */
export function indentedName({ c, depth }: FlatCategory): string {
  return '\u00a0\u00a0'.repeat(depth) + c.name;
}

export function categoryName(cats: Category[] | undefined, id: string | undefined): string | undefined {
  return id ? flattenCategories(cats).find((x) => x.c.id === id)?.c.name : undefined;
}
