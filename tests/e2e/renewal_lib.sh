# Shared by the renewal end-to-end tests (sourced after lib.sh): a world of
# tw-astrosim (the demo organization plus ci-deploy-prod, a WORKSPACE token
# three days from expiry), one tw-storesim of each kind and a file, each
# holding the token's value, and a configuration naming them all.
: "${TW_STORESIM_BIN:?run through ctest}"

TOK=clrenew0000000000000000001
NAME=ci-deploy-prod
WS=cwuo8oc09zcke5raw4y1tgy5c
OWNER=clvq1zxzf1eas1v6a29ybbgat # break-glass-admin, ORGANIZATION_OWNER
KINDS=(github gitlab vault kubernetes)
declare -A STORE_URL STORE_AT=(
  [github]="repo:acme/dags:ASTRO_API_TOKEN"
  [gitlab]="project:acme/dags:ASTRO_API_TOKEN"
  [vault]="secret:ci/astro:token"
  [kubernetes]="ci:astro:token"
)
declare -A STORE_CONTAINER=([github]="repo:acme/dags" [gitlab]="project:acme/dags" [vault]="secret")
declare -A STORE_KEYS=(
  [github]=$'repository = acme/dags\nsecret = ASTRO_API_TOKEN'
  [gitlab]=$'project = acme/dags\nvariable = ASTRO_API_TOKEN'
  [vault]=$'mount = secret\npath = ci/astro\nkey = token'
  [kubernetes]=$'namespace = ci\nsecret = astro\nkey = token'
)

# store KIND METHOD PATH [BODY]: a control call to a store fake.
store() { curl -fsS -X "$2" "${STORE_URL[$1]}$3" ${4:+--data-binary "$4"}; }
# sim METHOD PATH [BODY]: a control call to tw-astrosim.
sim() { curl -fsS -X "$1" "$SIM_URL$2" ${3:+--data-binary "$3"}; }

start_store() { # KIND
  local dir=$E2E_TMP/store-$1
  mkdir -p "$dir"
  printf 'store-credential-0123456789' >"$dir/cred"
  chmod 600 "$dir/cred"
  "$TW_STORESIM_BIN" --kind "$1" --port 0 --port-file "$dir/port" --credential-file "$dir/cred" \
    2>"$dir/log" &
  E2E_PIDS+=($!)
  wait_file "$dir/port"
  STORE_URL[$1]="http://127.0.0.1:$(cat "$dir/port")"
}

# world [ROTATION_KEYS]: starts everything and writes $CFG.
world() {
  STATE=$E2E_TMP/state
  CFG=$E2E_TMP/tw.ini
  FILE_COPY=$E2E_TMP/runner-token
  start_sim --fixture "$TW_SOURCE_DIR/tests/fixtures/demo-org.json" \
    --token-credential "$OWNER=$E2E_TMP/owner-cred"
  sim PUT "/_sim/tokens/$TOK" '{"id":"'$TOK'","name":"'$NAME'","description":"GitHub Actions deploys to prod","scope":"WORKSPACE","startAt":"@-87d","createdAt":"@-87d","updatedAt":"@-87d","endAt":"@+3d","expiryPeriodInDays":90,"roles":[{"entityType":"WORKSPACE","entityId":"'$WS'","role":"WORKSPACE_AUTHOR"}]}' >/dev/null
  OLD_VALUE=$(sim POST "/_sim/tokens/$TOK/credential")
  local k body
  for k in "${KINDS[@]}"; do
    start_store "$k"
    if [[ -n ${STORE_CONTAINER[$k]:-} ]]; then
      store "$k" POST /_store/put '{"at":"'"${STORE_CONTAINER[$k]}"'","value":null}' >/dev/null
    fi
    store "$k" POST /_store/put '{"at":"'"${STORE_AT[$k]}"'","value":"'"$OLD_VALUE"'"}' >/dev/null
  done
  (umask 077 && printf '%s\n' "$OLD_VALUE" >"$FILE_COPY")
  {
    printf '[astro]\napi_url = %s\ntoken_file = %s\nmax_retries = 1\n\n' "$SIM_URL" "$SIM_CRED"
    printf '[agent]\ninterval = 2s\nlisten = 127.0.0.1:0\nstate_dir = %s\nlog_level = info\n\n' "$STATE"
    printf '[rotation]\nenabled = true\ntoken_file = %s/owner-cred\nretire_after = 0\n%s\n\n' \
      "$E2E_TMP" "${1:-}"
    for k in "${KINDS[@]}"; do
      printf '[deliver.%s]\ntoken = %s\ntype = %s\napi_url = %s\ncredential_file = %s\n%s\n\n' \
        "$k" "$NAME" "$k" "${STORE_URL[$k]}" "$E2E_TMP/store-$k/cred" "${STORE_KEYS[$k]}"
    done
    printf '[deliver.file]\ntoken = %s\ntype = file\npath = %s\n' "$NAME" "$FILE_COPY"
  } >"$CFG"
}

# The ids of the listed tokens named $NAME, one a line.
named() { sim GET /_sim/tokens | jq -r --arg n "$NAME" '.[] | select(.name == $n) | .id'; }
# The value copy KIND (or "file") holds.
copy_value() {
  if [[ $1 == file ]]; then tr -d '\n' <"$FILE_COPY"; else store "$1" GET "/_store/value?at=${STORE_AT[$1]}"; fi
}
journal() { printf '%s/renewal-%s.json' "$STATE" "$TOK"; }
journal_step() { jq -r .step "$(journal)" 2>/dev/null; }
logged() { grep -qF -- "$1" "$E2E_TMP/tw.log"; }
writes() { sim GET /_sim/writes | jq -r ".$1"; }

# The renewal is over: no journal, one token of the name (not the old one),
# every copy holds its value.
renewal_over() {
  local ids
  [[ ! -e $(journal) ]] || return 1
  ids=$(named)
  [[ $(wc -l <<<"$ids") -eq 1 && -n $ids && $ids != "$TOK" ]]
}
assert_all_current() { # [ID]: every copy holds ID's current value
  local id=${1:-$(named)} value k
  value=$(sim POST "/_sim/tokens/$id/credential")
  [[ $value != "$OLD_VALUE" ]] || fail "the value did not change"
  for k in "${KINDS[@]}" file; do
    [[ $(copy_value "$k") == "$value" ]] || fail "copy $k does not hold the new value of $id"
  done
}
