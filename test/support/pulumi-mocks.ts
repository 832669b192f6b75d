import * as pulumi from '@pulumi/pulumi';

/** One resource registered while mocks were installed. */
export interface RegisteredResource {
  /** Type token, e.g. `kubernetes:apps/v1:Deployment`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** Inputs as given to the constructor (outputs resolved). */
  readonly inputs: Record<string, any>;
}

/**
 * Installs Pulumi mocks that record every registered resource. Call before importing the code
 * under test (dynamic `import()`), as the Pulumi docs advise.
 */
export function installMocks(): RegisteredResource[] {
  const registered: RegisteredResource[] = [];
  pulumi.runtime.setMocks({
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) => args.inputs,
  }, 'inferscale', 'test', true);
  return registered;
}

/** Resolves a Pulumi output in a mocked run. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}
