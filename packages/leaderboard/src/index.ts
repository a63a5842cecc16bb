export type { ResultRow, DatasetIdentity, DatasetKind, Protocol, SweepPoint, Timings } from './row.ts';
