import { expect, it } from 'vitest';
import { helpLinks } from '../../shared/helpLinks';
import { documentationLink } from './security';

it('every Help link is one openExternal may open (https, an allowed documentation host)', () => {
  for (const { url } of helpLinks) expect(documentationLink(url), url).toBe(url);
});
