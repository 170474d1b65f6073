export function setUpBoards() {}
