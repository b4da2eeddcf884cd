//! What the main module holds, and what would leave it: a dominator tree over the dependency
//! graph wasm-split-cli builds from the linker's relocations (`scripts/size/main-module.sh`
//! adds this file to a copy of wasm_split_cli_support and calls `report` before the split).
//!
//! A node's retained bytes are its own (a function body, a data symbol) plus those of every
//! node reachable from the main module's roots only through it: what the main module would
//! lose if the node moved behind a split point. Environment:
//! - `SIZE_TOP` (default 60): how many nodes to print, largest retained first;
//! - `SIZE_FILTER`: only nodes whose name contains this;
//! - `SIZE_CUT`: comma-separated name parts; matching functions are treated as split points
//!   (what would the main module weigh without them?);
//! - `SIZE_CALLERS`: print the direct users of nodes whose name contains this;
//! - `SIZE_TSV`: write every node (id, dominator id, own bytes, retained bytes, name) there.

use std::collections::{HashMap, HashSet};

use crate::dep_graph::{DepGraph, DepNode};
use crate::read::InputModule;
use crate::split_point::{get_main_module_roots, SplitPoint};

pub fn report(module: &InputModule, graph: &DepGraph, split_points: &[SplitPoint]) {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let demangled = |raw: &str| format!("{:#}", rustc_demangle::demangle(raw));
    let mut cut: HashSet<DepNode> = split_points
        .iter()
        .flat_map(|s| [DepNode::Function(s.import_func), DepNode::Function(s.export_func)])
        .collect();
    if let Some(parts) = env("SIZE_CUT") {
        for (index, raw) in module.names.functions.iter() {
            let name = demangled(raw);
            if parts.split(',').any(|part| !part.is_empty() && name.contains(part)) {
                cut.insert(DepNode::Function(*index));
            }
        }
    }
    let data_bytes: HashMap<usize, u64> = module
        .reloc_info
        .data_symbols
        .iter()
        .map(|d| (d.symbol_index, (d.range.end - d.range.start) as u64))
        .collect();
    let own = |node: &DepNode| -> u64 {
        match node {
            DepNode::Function(index) => index
                .checked_sub(module.imported_funcs.len())
                .map(|defined| {
                    let range = module.defined_funcs[defined].body.range();
                    (range.end - range.start) as u64
                })
                .unwrap_or(0),
            DepNode::DataSymbol(symbol) => data_bytes.get(symbol).copied().unwrap_or(0),
            _ => 0,
        }
    };
    let name = |node: &DepNode| -> String {
        match node {
            DepNode::Function(index) => {
                module.names.functions.get(index).map(|raw| demangled(raw)).unwrap_or_else(|| format!("func[{index}]"))
            }
            DepNode::DataSymbol(symbol) => format!("data {:?}", module.reloc_info.symbols[*symbol]).chars().take(120).collect(),
            other => format!("{other:?}"),
        }
    };

    // The graph reachable from the roots, numbered; 0 is a root above them all.
    let mut number: HashMap<DepNode, usize> = HashMap::new();
    let mut nodes: Vec<Option<DepNode>> = vec![None];
    let mut succ: Vec<Vec<usize>> = vec![Vec::new()];
    let mut stack = Vec::new();
    for root in get_main_module_roots(module, split_points) {
        if cut.contains(&root) || number.contains_key(&root) {
            continue;
        }
        number.insert(root, nodes.len());
        succ[0].push(nodes.len());
        nodes.push(Some(root));
        succ.push(Vec::new());
        stack.push(root);
    }
    while let Some(node) = stack.pop() {
        let from = number[&node];
        for dep in graph.get(&node).into_iter().flatten() {
            if cut.contains(dep) {
                continue;
            }
            let to = *number.entry(*dep).or_insert_with(|| {
                nodes.push(Some(*dep));
                succ.push(Vec::new());
                stack.push(*dep);
                nodes.len() - 1
            });
            succ[from].push(to);
        }
    }
    let n = nodes.len();

    // Reverse postorder, then the iterative dominator algorithm of Cooper, Harvey and Kennedy.
    let mut postorder = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    let mut walk = vec![(0usize, 0usize)];
    seen[0] = true;
    while let Some((v, i)) = walk.pop() {
        if let Some(&w) = succ[v].get(i) {
            walk.push((v, i + 1));
            if !seen[w] {
                seen[w] = true;
                walk.push((w, 0));
            }
        } else {
            postorder.push(v);
        }
    }
    let order: Vec<usize> = postorder.into_iter().rev().collect();
    let mut rank = vec![usize::MAX; n];
    for (i, v) in order.iter().enumerate() {
        rank[*v] = i;
    }
    let mut preds = vec![Vec::new(); n];
    for (v, targets) in succ.iter().enumerate() {
        for &w in targets {
            preds[w].push(v);
        }
    }
    let mut idom = vec![usize::MAX; n];
    idom[0] = 0;
    let mut changed = true;
    while changed {
        changed = false;
        for &v in order.iter().skip(1) {
            let mut new = usize::MAX;
            for &p in &preds[v] {
                if idom[p] == usize::MAX {
                    continue;
                }
                if new == usize::MAX {
                    new = p;
                    continue;
                }
                let (mut a, mut b) = (p, new);
                while a != b {
                    while rank[a] > rank[b] {
                        a = idom[a];
                    }
                    while rank[b] > rank[a] {
                        b = idom[b];
                    }
                }
                new = a;
            }
            if new != idom[v] {
                idom[v] = new;
                changed = true;
            }
        }
    }
    let mut retained: Vec<u64> = nodes.iter().map(|node| node.as_ref().map(own).unwrap_or(0)).collect();
    for &v in order.iter().rev() {
        if v != 0 && idom[v] != usize::MAX {
            retained[idom[v]] += retained[v];
        }
    }

    println!("main module: {} bytes of code and data before wasm-bindgen and wasm-opt, {} nodes", retained[0], n);
    if let Some(part) = env("SIZE_CALLERS") {
        for v in 1..n {
            let callee = name(&nodes[v].unwrap());
            if callee.contains(&part) {
                println!("users of {}", callee.chars().take(140).collect::<String>());
                for &p in preds[v].iter().filter(|p| **p > 0) {
                    println!("    {}", name(&nodes[p].unwrap()).chars().take(160).collect::<String>());
                }
            }
        }
    }
    if let Some(path) = env("SIZE_TSV") {
        let mut out = String::new();
        for v in 1..n {
            let node = nodes[v].unwrap();
            out.push_str(&format!("{v}\t{}\t{}\t{}\t{}\n", idom[v], own(&node), retained[v], name(&node).replace('\t', " ")));
        }
        if let Err(error) = std::fs::write(&path, out) {
            println!("could not write {path}: {error}");
        }
    }
    let top: usize = env("SIZE_TOP").and_then(|t| t.parse().ok()).unwrap_or(60);
    let filter = env("SIZE_FILTER").unwrap_or_default();
    let mut all: Vec<usize> = (1..n).collect();
    all.sort_by_key(|v| std::cmp::Reverse(retained[*v]));
    println!("{:>9} {:>7}  node  <= its dominator", "retained", "own");
    for v in all.into_iter().filter(|v| name(&nodes[*v].unwrap()).contains(&filter)).take(top) {
        let parent = if idom[v] == 0 { "(root)".to_string() } else { name(&nodes[idom[v]].unwrap()).chars().take(80).collect() };
        let node = nodes[v].unwrap();
        println!("{:>9} {:>7}  {}  <= {parent}", retained[v], own(&node), name(&node).chars().take(140).collect::<String>());
    }
}
