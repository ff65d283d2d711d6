/** What the lab folder holds, and how a write went: the model behind Review and `render`. */

export type FileState = 'new' | 'unchanged' | 'changed' | 'user-edited';

export interface RenderedFile {
  /** Path relative to the lab folder, with forward slashes. */
  name: string;
  content: string;
}

export interface FilePreview extends RenderedFile {
  state: FileState;
  /** What is on disk now, when it differs from what would be written. */
  current: string | null;
}

export interface LabPreview {
  dir: string | null;
  files: FilePreview[];
}

export interface WriteReport {
  dir: string;
  written: string[];
  unchanged: string[];
  /** User-edited files whose version was kept beside the new one: [file, where the user's copy is]. */
  keptUserCopies: { name: string; keptAs: string }[];
  /** Files an earlier write made that this lab no longer has (registry.yaml once the registry is off). */
  removed: string[];
  /** Such files the user has edited since: left where they are, theirs now. */
  leftEdited: string[];
  /** What the folder's manifest said that was not believed (a name outside the lab, a damaged file), and why. */
  ignored: { name: string; why: string }[];
}
