export { encodeJobCursor, decodeJobCursor, type JobCursor } from './job-cursor.js';
export { JOB_STATUSES, type JobRecord, type JobRecordDetail, type JobFailureRecord, type JobTypeStats } from './job-record.js';
export { getJobRecord, listJobRecords, jobTypeStats, type JobListFilter, type JobListPage } from './record-queries.js';
