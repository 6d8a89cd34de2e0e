export const PACKAGE_NAME = '@venue/consensus';
