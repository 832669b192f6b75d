export * from './search';
export * from './configuration';
