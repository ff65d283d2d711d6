/** The lab folder on disk: lab.json (the LabConfig), the rendered files, shared/ and logs/. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { assertLab, LAB_SCHEMA_VERSION, type LabConfig } from '../../shared/lab/schema';
import { ioError } from './files';

export const LAB_FILE = 'lab.json';

/** Read and validate a lab folder's lab.json: a clear error for a missing, foreign or invalid file. */
export async function openLab(dir: string): Promise<LabConfig> {
  const file = path.join(dir, LAB_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AppError('not_found', `${dir} is not a Cluster Lab folder: it has no ${LAB_FILE}.`, {
        hint: 'Choose the folder a lab was written to, or write a new lab from the Review step (or `cluster-lab render`).',
      });
    }
    throw ioError(error, file, 'read');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AppError('invalid_input', `${file} is not valid JSON: ${(error as Error).message}.`, {
      hint: 'Fix the file by hand, or write the lab again from the wizard.',
    });
  }
  const version = (json as { schemaVersion?: unknown })?.schemaVersion;
  if (version !== LAB_SCHEMA_VERSION) {
    throw new AppError(
      'invalid_input',
      `${file} has schema version ${JSON.stringify(version)}; this Cluster Lab reads version ${LAB_SCHEMA_VERSION}.`,
      {
        hint:
          typeof version === 'number' && version > LAB_SCHEMA_VERSION
            ? 'Update Cluster Lab to open this lab.'
            : 'Write the lab again from the wizard.',
      },
    );
  }
  return assertLab(json);
}
