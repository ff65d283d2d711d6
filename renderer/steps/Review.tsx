import { Placeholder } from '../components/Placeholder';

export function ReviewStep() {
  return (
    <Placeholder title="Review">
      The Vagrantfile and registry manifest exactly as they will be written, with a diff against what is on disk, and the lab folder.
    </Placeholder>
  );
}
