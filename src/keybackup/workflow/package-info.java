/**
 * The workflows a person runs against an account (protocol.md §11): {@link keybackup.workflow.Enable},
 * {@link keybackup.workflow.Upload} (with {@link keybackup.workflow.Uploader}),
 * {@link keybackup.workflow.Restore}, {@link keybackup.workflow.Migrate}, over any
 * {@link keybackup.homeserver.BackupStore}; {@link keybackup.workflow.OfflineAudit} audits a version from the
 * homeserver's saved answers, without a store. {@link keybackup.workflow.Account} gathers the store, Secret
 * Storage and the trust anchors; trust itself is decided in {@code keybackup.trust}.
 *
 * <p>Errors say whose they are. {@link keybackup.homeserver.StoreException}: the store or the server failed.
 * {@link keybackup.workflow.WorkflowException}: the account's state or the backup does not allow the step.
 * A caller's callback (a {@link keybackup.workflow.Restore.Sink}, the walk of
 * {@link keybackup.workflow.Upload.Sessions}, a progress callback) fails with its own exception, which comes
 * out as it was thrown: its checked type is a type parameter of the call, and an unchecked one is not wrapped.
 *
 * <p>Restore, upload and migration run their crypto on a bounded number of worker threads and stream
 * the backup, so memory does not grow with its size. Migration never deletes or overwrites what it has
 * not verified: see {@link keybackup.workflow.Migrate}.
 */
package keybackup.workflow;
