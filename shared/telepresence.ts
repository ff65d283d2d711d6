/** Telepresence client-side recursion guard: the model shared by main and the panel. */

export interface TelepresenceState {
  /** The client config file that would be read or written. */
  path: string;
  exists: boolean;
  /** `routing.recursionBlockDuration` as written in the file, or null when not set. */
  recursionBlockDuration: string | null;
  /** Where a backup of the previous version was written, after a change. */
  backupPath?: string | null;
}
