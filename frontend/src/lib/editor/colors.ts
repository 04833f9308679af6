// Speaker colours: the Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008), whose eight
// colours stay distinguishable with the common forms of colour blindness. Black is replaced by a mid
// grey so that it shows on the dark theme too. Colours mark speakers as swatches and row borders,
// never as the background of text, so text contrast does not depend on them.
import type { Doc } from "./ops";

export const palette = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#8c8c8c"];

/** speakerColor returns the colour of a speaker: its chosen one, else the palette's by its place. */
export function speakerColor(d: Pick<Doc, "speakers">, id: string | undefined): string {
  if (!id) return "transparent";
  const i = d.speakers.findIndex((s) => s.id === id);
  if (i < 0) return palette[palette.length - 1];
  return d.speakers[i].color || palette[i % palette.length];
}
