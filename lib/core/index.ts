export * from './problems';
export * from './names';
export * from './quantity';
export * from './duration';
export * from './hpa-spec';
export * from './metric';
export * from './behavior';
export * from './inference-service';
