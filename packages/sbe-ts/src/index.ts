export const PACKAGE_NAME = '@venue/sbe-ts';
