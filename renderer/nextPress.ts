/**
 * Next moves one step a press. A double click is two click events, and the second one reaches the
 * Next button of the step the first one opened (React has rendered it by then), so without this a
 * double click on Lab skips Review. `detail` is the click count the browser gives each click of a
 * multi-click (0 for a keyboard press): only a first click moves. And while a step change Next
 * started has not landed yet, another press would count from the old step: it is dropped too.
 */
export class NextPress {
  private pending = false;

  /** Whether this press (a click's `event.detail`) moves on. */
  press(detail: number): boolean {
    if (this.pending || detail > 1) return false;
    this.pending = true;
    return true;
  }

  /** The step Next went to has rendered. */
  landed(): void {
    this.pending = false;
  }
}
