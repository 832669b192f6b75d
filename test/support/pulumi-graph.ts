import { RegisteredResource } from './pulumi-mocks';

/**
 * The dependency graph of a mocked Pulumi run, as the engine would see it: each resource with
 * the URNs it waits for (explicit `dependsOn`, components expanded to the resources under them,
 * and every resource whose outputs its inputs read). The engine creates a resource after
 * everything it waits for and deletes it before any of them, so "A waits for B" is both "B
 * exists before A is created" and "A is gone before B is deleted".
 */
export class ResourceGraph {
  private readonly byUrn = new Map<string, RegisteredResource>();

  /** @param resources every resource the run registered */
  public constructor(public readonly resources: readonly RegisteredResource[]) {
    for (const r of resources) this.byUrn.set(r.urn, r);
  }

  /** The one resource of `type` whose logical name is `name`; throws when there is none or several. */
  public get(type: string, name: string): RegisteredResource {
    const found = this.resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} ${name}, found ${found.length}`);
    return found[0];
  }

  /** Every resource of `type`. */
  public ofType(type: string): RegisteredResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** Whether `a` waits for `b`, directly or through other resources. */
  public waitsFor(a: RegisteredResource, b: RegisteredResource): boolean {
    const seen = new Set<string>();
    const stack = [...a.dependencies];
    while (stack.length > 0) {
      const urn = stack.pop()!;
      if (urn === b.urn) return true;
      if (seen.has(urn)) continue;
      seen.add(urn);
      stack.push(...(this.byUrn.get(urn)?.dependencies ?? []));
    }
    return false;
  }

  /** The logical names of what `a` waits for directly, sorted (for failure messages). */
  public directDependencies(a: RegisteredResource): string[] {
    return a.dependencies.map((u) => this.byUrn.get(u)?.name ?? u).sort();
  }

  /** The parent of `a`, when it has one. */
  public parentOf(a: RegisteredResource): RegisteredResource | undefined {
    return a.parent ? this.byUrn.get(a.parent) : undefined;
  }

  /** The component chain above `a`, nearest first, as type tokens. */
  public ancestorTypes(a: RegisteredResource): string[] {
    const out: string[] = [];
    for (let p = this.parentOf(a); p; p = this.parentOf(p)) out.push(p.type);
    return out;
  }
}

/**
 * Jest matcher input: `[a, b]` pairs each expected to hold `graph.waitsFor(a, b)`; returns the
 * pairs that do not, by name, so a failure lists every missing edge at once.
 */
export function missingEdges(graph: ResourceGraph, pairs: readonly (readonly [RegisteredResource, RegisteredResource])[]): string[] {
  return pairs.filter(([a, b]) => !graph.waitsFor(a, b)).map(([a, b]) => `${a.name} does not wait for ${b.name} (waits for: ${graph.directDependencies(a).join(', ') || 'nothing'})`);
}
