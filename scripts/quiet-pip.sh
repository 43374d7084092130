#!/usr/bin/env bash
# Runs a command that calls pip (the arguments) with the warnings that ask nothing of the
# user taken out of its stderr; everything else, and pip's exit status, pass on.
#   WARNING: Location '...' is ignored: ...          (an index path pip skips)
#   WARNING: huggingface-hub X does not provide the extra 'inference'
#     (llama-index-embeddings-huggingface asks for an extra that huggingface-hub
#     1.0 folded into the package itself: nothing is missing)
"$@" 2> >(grep -v -e '^WARNING: Location' \
                 -e "^WARNING: huggingface-hub [^ ]* does not provide the extra 'inference'$" >&2)
status=$?
wait $! 2>/dev/null  # the filter has written all it got before we return
exit $status
