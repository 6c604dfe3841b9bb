from tests.contract.builders import add_model, add_versions, read, write, at, model, audit_chain
def test_x(uow_factory, backend):
    m = add_model(uow_factory, 1, "Fraud")
    try:
        write(uow_factory, lambda r: r.set_version_tag(m.id, 1, "data", "q1"))
    except Exception as e: print(backend, "settag", type(e))
    try:
        add_versions(uow_factory, m, 1, tags={"data": "x"})
    except Exception as e: print(backend, "addver", type(e).__name__)
    try:
        print(backend, read(uow_factory, lambda r: r.get_version(m.id, 1)).tags)
    except Exception as e: print(backend, "get", type(e).__name__)
    for name, fn in [("alloc-unknown", lambda r: r.allocate_version("f"*32)),
                     ("rename-unknown", lambda r: r.rename_model("f"*32, "X", at(1))),
                     ("tag-unknown", lambda r: r.set_model_tag("f"*32, "k", "v")),
                     ("deltag-absent", lambda r: r.delete_model_tag(m.id, "nope")),
                     ("delalias-absent", lambda r: r.delete_alias(m.id, "nope")),
                     ("audit-gap", lambda r: r.add_audit(audit_chain(("a",None,None),("b",None,None))[1])),
                     ]:
        try:
            write(uow_factory, fn); print(backend, name, "ok")
        except Exception as e: print(backend, name, type(e).__module__, type(e).__name__)
    try:
        with uow_factory(write=False) as uow:
            uow.repo.add_model(model(9, "RO")); uow.commit()
        print(backend, "ro-commit ok", read(uow_factory, lambda r: r.get_model("RO")).name)
    except Exception as e: print(backend, "ro-commit", type(e).__name__)
