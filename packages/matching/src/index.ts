export const PACKAGE_NAME = '@venue/matching';
