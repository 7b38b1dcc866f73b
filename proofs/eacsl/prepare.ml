(* prepare.ml: loaded by Frama-C (-load-script) before E-ACSL in the
   run-time check build (proofs/eacsl/eacsl.mk).  It changes only what
   E-ACSL 25 reads, never the proof build:
   1. a quantifier `\forall x; lo <= x < hi && P ==> Q` becomes
      `\forall x; lo <= x < hi ==> (P ==> Q)` (and `\exists` alike): the
      same predicate, in the only form E-ACSL compiles into a loop (it
      ignores a clause whose hypothesis has other conjuncts);
   2. the invariants of ghost loops are dropped (they carry inductions for
      WP; E-ACSL places their checks outside the loop);
   3. ghost code becomes C code, so that the ghost list state is kept;
   4. clauses with \at or \old under a quantifier are dropped.
   What 2 and 4 drop is counted in build/eacsl/frama-c.log. *)
open Cil_types

let rec conjuncts p = match p.pred_content with
  | Pand (a, b) -> conjuncts a @ conjuncts b
  | _ -> [ p ]

let rec strip t = match t.term_node with TLogic_coerce (_, t) -> strip t | _ -> t

let is_bound_var vars t = match (strip t).term_node with
  | TLval (TVar lv, TNoOffset) -> List.exists (Cil_datatype.Logic_var.equal lv) vars
  | _ -> false

let is_range vars p = match p.pred_content with
  | Prel ((Rle | Rlt), a, b) -> is_bound_var vars a || is_bound_var vars b
  | _ -> false

let conj = function
  | [] -> None
  | p :: r -> Some (List.fold_left (fun a q -> Logic_const.pand (a, q)) p r)

let normalise p = match p.pred_content with
  | Pforall (vars, ({ pred_content = Pimplies (h, g); _ } as imp)) ->
    let ranges, rest = List.partition (is_range vars) (conjuncts h) in
    (match conj ranges, conj rest with
     | Some r, Some o ->
       { p with pred_content =
                  Pforall (vars, { imp with pred_content =
                                              Pimplies (r, Logic_const.pimplies (o, g)) }) }
     | _ -> p)
  | Pexists (vars, ({ pred_content = Pand _; _ } as body)) ->
    let ranges, rest = List.partition (is_range vars) (conjuncts body) in
    (match conj ranges, conj rest with
     | Some r, Some o ->
       { p with pred_content = Pexists (vars, { body with pred_content = Pand (r, o) }) }
     | _ -> p)
  | _ -> p

class rewriter = object
  inherit Visitor.frama_c_inplace
  method! vpredicate _ = Cil.DoChildrenPost normalise
  method! vannotation _ = Cil.SkipChildren
end

(* The annotations of ghost statements: the loop invariants of the ghost
   loops that carry inductions for WP (model/heap.c, model/gc.c). *)
class ghost_annotations acc = object
  inherit Visitor.frama_c_inplace
  method! vstmt_aux s =
    if s.ghost then
      Annotations.iter_code_annot (fun e ca -> acc := (e, s, ca) :: !acc) s;
    Cil.DoChildren
end

(* Frama-C prints ghost code inside comments, so the C compiler never
   runs it and the ghost list state (pm_glist, pm_gpos, pm_glen) that
   PM_HEAP_OK speaks of would stay zero.  In this build the ghost globals,
   locals and statements become ordinary C; a call to a ghost lemma
   function (which only carries a proof step for WP) becomes a no-op. *)
class unghost = object
  inherit Visitor.frama_c_inplace
  method! vvdec v = v.vghost <- false; Cil.SkipChildren
  method! vglob_aux = function
    | GFun (f, _) when f.svar.vghost -> Cil.SkipChildren
    | GFunDecl (_, v, _) when v.vghost -> Cil.SkipChildren
    | _ -> Cil.DoChildren
  method! vstmt_aux s =
    if s.ghost then begin
      s.ghost <- false;
      match s.skind with
      | Instr (Call (_, { enode = Lval (Var f, NoOffset); _ }, _, loc)) when f.vghost ->
        s.skind <- Instr (Skip loc)
      | Instr (Local_init (_, ConsInit (f, _, _), loc)) when f.vghost ->
        s.skind <- Instr (Skip loc)
      | _ -> ()
    end;
    Cil.DoChildren
end

(* E-ACSL 25 stores \old(e) under a quantifier in a table whose size it
   computes from the quantifier's range, and gets that size wrong (a table
   of 5 entries for `\forall g; 0 <= g < PM_NHEADS ==> ... \old(pm_glen[g])`,
   read out of bounds at run time).  A clause with \at or \old under a
   quantifier is therefore left unchecked in this build and counted. *)
let at_under_quantifier p =
  let found = ref false and depth = ref 0 in
  let v = object
    inherit Visitor.frama_c_inplace
    method! vpredicate_node = function
      | Pforall _ | Pexists _ -> incr depth; Cil.DoChildrenPost (fun n -> decr depth; n)
      | Pat _ when !depth > 0 -> found := true; Cil.SkipChildren
      | _ -> Cil.DoChildren
    method! vterm_node = function
      | Tlambda _ -> incr depth; Cil.DoChildrenPost (fun n -> decr depth; n)
      | Tat _ when !depth > 0 -> found := true; Cil.SkipChildren
      | _ -> Cil.DoChildren
  end in
  ignore (Visitor.visitFramacPredicate v p);
  !found

(* E-ACSL 25 translates \at(e, Pre) in a loop invariant as e at the point
   of the check (a five-line reproducer: `loop invariant g[y] + i ==
   \at(g[y], Pre)` over a loop decrementing g[y] becomes the C test
   `g[y] + i == g[y]`), so such an invariant would be checked against a
   wrong value; in assertions and postconditions \at and \old are saved
   correctly.  A loop invariant that reads an earlier state is therefore
   left unchecked in this build and counted. *)
let has_at p =
  let found = ref false in
  let v = object
    inherit Visitor.frama_c_inplace
    method! vpredicate_node = function
      | Pat _ -> found := true; Cil.SkipChildren
      | _ -> Cil.DoChildren
    method! vterm_node = function
      | Tat _ -> found := true; Cil.SkipChildren
      | _ -> Cil.DoChildren
  end in
  ignore (Visitor.visitFramacPredicate v p);
  !found

class drop_old_under_quantifiers n = object
  inherit Visitor.frama_c_inplace
  method! vbehavior b =
    let keep ip = not (at_under_quantifier ip.ip_content.tp_statement) in
    let post = List.filter (fun (_, ip) -> keep ip) b.b_post_cond in
    let req = List.filter keep b.b_requires in
    n := !n + List.length b.b_post_cond - List.length post
         + List.length b.b_requires - List.length req;
    if List.length post = List.length b.b_post_cond
       && List.length req = List.length b.b_requires then Cil.SkipChildren
    else Cil.ChangeTo (Cil.mk_behavior ~name:b.b_name ~assumes:b.b_assumes
                         ~requires:req ~post_cond:post ~assigns:b.b_assigns
                         ~allocation:b.b_allocation ~extended:b.b_extended ())
  method! vstmt_aux st =
    let acc = ref [] in
    Annotations.iter_code_annot (fun e ca -> match ca.annot_content with
        | AAssert (_, tp) | AInvariant (_, _, tp)
          when at_under_quantifier tp.tp_statement -> acc := (e, ca) :: !acc
        | AInvariant (_, true, tp) when has_at tp.tp_statement -> acc := (e, ca) :: !acc
        | _ -> ()) st;
    List.iter (fun (e, ca) -> Annotations.remove_code_annot e st ca) !acc;
    n := !n + List.length !acc;
    Cil.DoChildren
end

(* E-ACSL 25 saves every \old term of a postcondition at entry, whichever
   behavior applies, so `\old(m->objs[v].refcnt)` in a behavior assuming
   `v >= 0` is read, and fails its memory check, when v < 0.  In each
   behavior with assumptions A, \old(t) of a C integer type becomes
   \old(A ? t : 0), which E-ACSL evaluates with the guard (the same value
   wherever the behavior's postconditions are checked, that is, where A
   held at entry).  Assumptions that have no term form keep the clause as
   it was. *)
let rec term_of_pred p =
  let bool_term n = Some (Logic_const.term n Logic_const.boolean_type) in
  let rel = function
    | Rlt -> Lt | Rgt -> Gt | Rle -> Le | Rge -> Ge | Req -> Eq | Rneq -> Ne in
  match p.pred_content with
  | Prel (r, a, b) -> bool_term (TBinOp (rel r, a, b))
  | Pand (a, b) | Por (a, b) ->
    (match term_of_pred a, term_of_pred b with
     | Some x, Some y ->
       bool_term (TBinOp ((match p.pred_content with Pand _ -> LAnd | _ -> LOr), x, y))
     | _ -> None)
  | Pnot a -> (match term_of_pred a with Some x -> bool_term (TUnOp (LNot, x)) | None -> None)
  | _ -> None

let guard_old cond = object
  inherit Visitor.frama_c_inplace
  method! vterm t = match t.term_node, t.term_type with
    | Tat ({ term_node = TLval (TVar _, TNoOffset); _ }, _), _ -> Cil.SkipChildren
    | Tat (u, (BuiltinLabel (Old | Pre) as l)), Ctype ty when Cil.isIntegralType ty ->
      let zero = Logic_const.term (TConst (Integer (Integer.zero, None))) t.term_type in
      Cil.ChangeTo { t with term_node =
                              Tat (Logic_const.term (Tif (cond, u, zero)) t.term_type, l) }
    | _ -> Cil.DoChildren
end

class guard_behavior_olds = object
  inherit Visitor.frama_c_inplace
  method! vbehavior b =
    let pred ip = ip.ip_content.tp_statement in
    match b.b_assumes with
    | [] -> Cil.SkipChildren
    | a :: r ->
      (match term_of_pred (List.fold_left (fun x y -> Logic_const.pand (x, pred y)) (pred a) r) with
       | None -> Cil.SkipChildren
       | Some cond ->
         let guard (k, ip) =
           let p = Visitor.visitFramacPredicate (guard_old cond) (pred ip) in
           (k, { ip with ip_content = { ip.ip_content with tp_statement = p } }) in
         Cil.ChangeTo (Cil.mk_behavior ~name:b.b_name ~assumes:b.b_assumes
                         ~requires:b.b_requires ~post_cond:(List.map guard b.b_post_cond)
                         ~assigns:b.b_assigns ~allocation:b.b_allocation
                         ~extended:b.b_extended ()))
end

let ran = ref false
let () = Db.Main.extend (fun () ->
    if not !ran then begin
      ran := true;
      Visitor.visitFramacFileSameGlobals (new rewriter) (Ast.get ());
      let acc = ref [] in
      Visitor.visitFramacFileSameGlobals (new ghost_annotations acc) (Ast.get ());
      List.iter (fun (e, s, ca) -> Annotations.remove_code_annot e s ca) !acc;
      Visitor.visitFramacFileSameGlobals (new unghost) (Ast.get ());
      Visitor.visitFramacFileSameGlobals (new guard_behavior_olds) (Ast.get ());
      let n = ref 0 in
      Visitor.visitFramacFileSameGlobals (new drop_old_under_quantifiers n) (Ast.get ());
      Kernel.feedback "prepare.ml: %d clauses with \\old under a quantifier or \\at in a loop invariant left unchecked" !n;
      Kernel.feedback "prepare.ml: %d annotations of ghost statements left unchecked"
        (List.length !acc)
    end)
