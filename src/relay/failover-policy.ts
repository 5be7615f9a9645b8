// Which upstream answers fail over to the next candidate, and which are the client's answer.
//
// | upstream answer                         | what happens                                    |
// | --------------------------------------- | ----------------------------------------------- |
// | connection refused / reset / DNS error  | fail over                                       |
// | no first byte in time / idle / total    | fail over                                       |
// | 408, 429, 5xx                           | fail over                                       |
// | 401, 403 (the upstream's key is bad)    | fail over                                       |
// | 402 (the upstream account is unpaid)    | fail over                                       |
// | any other 4xx (400, 404, 413, 422, ...) | returned to the client as is: it is its answer  |
// | 2xx, 3xx                                | returned to the client                          |

export function statusFailsOver(status: number): boolean {
  return status === 408 || status === 429 || status === 401 || status === 402 || status === 403 || status >= 500
}
