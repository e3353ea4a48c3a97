/**
 * The element's styles as named sheets, in cascade order: the same rules, in the same order, as one
 * sheet would hold them. Each sheet styles one region; later sheets may rely on earlier ones' tokens.
 */
import { chrome } from "./chrome.js";
import { composer } from "./composer.js";
import { content } from "./content.js";
import { controls } from "./controls.js";
import { questions } from "./questions.js";
import { reader } from "./reader.js";
import { together } from "./together.js";
import { tokens } from "./tokens.js";
import { transcript } from "./transcript.js";

export const styles = [tokens, chrome, transcript, content, controls, composer, questions, reader, together];
