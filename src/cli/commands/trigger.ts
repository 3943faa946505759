// How a release was started: --trigger, else ci when CI is set, else manual (the API's rule).
export { resolveTrigger } from '../../api/windows.ts';
