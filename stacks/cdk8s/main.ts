import { synthDefaultApp } from './synth';

// `cdk8s synth` passes the output folder of cdk8s.yaml in CDK8S_OUTDIR; `npm run synth` uses the default.
synthDefaultApp(process.env.CDK8S_OUTDIR ?? 'charts-out');
