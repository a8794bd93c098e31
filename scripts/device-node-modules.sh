# Sourced by the device scripts' `prepare` steps (device-collect-watch.sh, device-gpm-check.sh).
# pack_prod_node_modules: .devcarry/abp-node_modules.tar.xz, the production node_modules for the GPU
# machine (it has no Node.js and no registry), re-made whenever package.json or package-lock.json is
# newer than it: a stale one (made before a dependency was added) stops `abp collect` at once there.
pack_prod_node_modules() {
  local out=.devcarry/abp-node_modules.tar.xz
  if [[ -f $out && ! package.json -nt $out && ! package-lock.json -nt $out ]]; then return 0; fi
  local tmp
  tmp=$(mktemp -d)
  cp package.json "$tmp/"
  cp package-lock.json "$tmp/" 2>/dev/null || true
  # install, not ci: the lock may trail package.json while others add packages.
  (cd "$tmp" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
  mkdir -p .devcarry
  tar -C "$tmp" -cJf "$out" node_modules
  rm -rf "$tmp"
}
